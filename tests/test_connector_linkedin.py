"""The LinkedIn connector (organization posts, comments and replies, follower counts) against a
real server on 127.0.0.1."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.http import Budget, Page
from connectors.linkedin import LinkedInConnector, little_text
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "linkedin"
VIGIE = str(Path(sys.executable).parent / "vigie")
TOKEN = "AQV-test-linkedin-token-0123456789"
ORG = "urn:li:organization:10438562"
RIVAL = "urn:li:organization:10438999"
P1 = "urn:li:share:7263000000000000001"
P2 = "urn:li:ugcPost:7262000000000000002"
P3 = "urn:li:share:7255000000000000003"
ACTIVITY = "urn:li:activity:7263000000000000101"
C1 = f"urn:li:comment:({ACTIVITY},7263100000000000001)"
C2 = f"urn:li:comment:({ACTIVITY},7263100000000000002)"
C3 = f"urn:li:comment:({ACTIVITY},7263100000000000003)"
R1 = f"urn:li:comment:({ACTIVITY},7263100000000000010)"
POSTS = "/rest/posts"
WINDOW = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
JSON = {"Content-Type": "application/json"}
linkedin = get_connector("linkedin")


def comments_of(urn: str) -> str:
    return f"/rest/socialActions/{quote(urn, safe='')}/comments"


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def ok(name: str, **kwargs) -> Reply:
    return Reply(200, body(name), JSON, **kwargs)


def page(name: str, url: str | None = None) -> Page:
    return Page(url or f"file:///{name}.json", 200, "application/json", body(name), NOW)


def params(base: str, **extra) -> dict:
    return {"base_url": base, "organization": ORG, "page_size": 2, **extra}


def sent(script) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()} for path, _ in script.requests
    ]


def paths(script) -> list[str]:
    return [urlsplit(path).path for path, _ in script.requests]


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("VIGIE_LINKEDIN_TOKEN", TOKEN)


@pytest.fixture(autouse=True)
def fresh_budget(monkeypatch):
    declared = LinkedInConnector.budget
    monkeypatch.setattr(
        LinkedInConnector, "budget", Budget(declared.requests, declared.per_seconds)
    )


def serve_everything(script) -> None:
    script.on(POSTS, ok("posts_p1"), ok("posts_p2"))
    script.on(comments_of(P1), ok("comments_p1"), ok("comments_p2"))
    script.on(comments_of(C1), ok("replies"))
    script.on(comments_of(P2), ok("comments_empty"))


def test_posts_comments_and_replies_are_paged(tmp_path):
    with loopback() as (base, script):
        serve_everything(script)
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "linkedin", params(base), WINDOW, http)
    assert outcome.error is None and sleeps == []
    # P3 is older than the look-back and P4 a draft: no comment calls for them. Only C1 has
    # replies. Posts p2 ends the listing (start + count reaches paging.total).
    assert paths(script) == [
        POSTS,
        comments_of(P1),
        comments_of(C1),
        comments_of(P1),
        comments_of(P2),
        POSTS,
    ]
    assert len(outcome.batch.pages) == 6
    posts1, comments1, replies, comments2, _, posts2 = sent(script)
    assert posts1 == {"author": ORG, "q": "author", "count": "2", "sortBy": "CREATED"}
    assert posts2 == {
        **posts1,
        "start": "2",
        "paginationToken": "dXJuOmxpOmFjdGl2aXR5OjcyNjIwMDAwMDAwMDAwMDAwMDI=",
    }
    assert "author=urn%3Ali%3Aorganization%3A10438562" in script.requests[0][0]
    assert comments1 == {"count": "2"} and comments2 == {"count": "2", "start": "2"}
    assert replies == {"count": "2"}
    for _, headers in script.requests:
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert headers["LinkedIn-Version"] == "202610"
        assert headers["X-Restli-Protocol-Version"] == "2.0.0"
    mentions, errors = parse_pages("linkedin", list(outcome.batch.read_pages()), now=NOW)
    assert len(mentions) == 7
    assert sorted(errors) == [
        "comment has no commentUrn, $URN or object and id",
        "post urn:li:share:7263000000000000004 is DRAFT, not published",
    ]
    landed = "".join(p.read_text("utf-8") for p in outcome.batch.path.rglob("*") if p.is_file())
    assert TOKEN not in landed


def test_reply_to_follows_the_thread(tmp_path):
    with loopback() as (base, script):
        serve_everything(script)
        http, _ = test_client()
        outcome = collect_once(tmp_path, "linkedin", params(base), WINDOW, http)
    found = {}
    for landed in outcome.batch.read_pages():
        for item in linkedin.items(landed):
            if item.error is None:
                try:
                    fields = linkedin.to_mention(item.payload)
                except MalformedItem:
                    continue
                found[fields["source_id"]] = (fields["reply_to"], fields["author_id"])
    assert found == {
        P1: (None, ORG),
        P2: (None, ORG),
        P3: (None, ORG),
        C1: (P1, "urn:li:person:Ab3dEfGh1J"),  # the share URN, not the comment's activity
        C2: (P1, "urn:li:person:Zx9YwVu8Tk"),
        C3: (P1, "urn:li:person:Qr7StUv6Wx"),
        R1: (C1, ORG),  # the organization answers C1
    }


def test_post_mapping():
    post, reshare = json.loads(body("posts_p1"))["elements"]
    assert linkedin.to_mention(post) == {
        "source_id": P1,
        "url": f"https://www.linkedin.com/feed/update/{P1}/",
        "published_at": 1795165200000,
        "title": "Offres d'emploi Velora",
        "text": "Nous recrutons ! Rejoignez l'équipe Velora Bikes à Lyon #velora #emploi (CDI)",
        "author_id": ORG,
        "author_name": None,
        "author_followers": None,
        "lang": None,
        "likes": None,
        "shares": None,
        "comments": None,
        "is_repost": False,
        "reply_to": None,
    }
    assert linkedin.to_mention(reshare)["is_repost"] is True
    [first, *_], _ = parse_pages("linkedin", [page("posts_p1")], now=NOW)
    assert first["published_at"] == datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_comment_mapping_and_saved_bodies():
    listed = page("comments_p1", f"http://127.0.0.1:9{comments_of(P1)}?count=2")
    [first, _] = [linkedin.to_mention(i.payload) for i in linkedin.items(listed)]
    assert first == {
        "source_id": C1,
        "url": f"https://www.linkedin.com/feed/update/{ACTIVITY}/",
        "published_at": 1795173300000,
        "title": None,
        "text": "Le poste est ouvert aux alternants ?",
        "author_id": "urn:li:person:Ab3dEfGh1J",
        "author_name": None,
        "author_followers": None,
        "lang": None,
        "likes": 3,
        "shares": None,
        "comments": 1,
        "is_repost": False,
        "reply_to": P1,
    }
    # A saved body alone: the comment's own `object` (the activity) is all there is.
    saved = [linkedin.to_mention(i.payload) for i in linkedin.items(page("comments_p1"))]
    assert [m["reply_to"] for m in saved] == [ACTIVITY, ACTIVITY]
    [reply] = [linkedin.to_mention(i.payload) for i in linkedin.items(page("replies"))]
    assert reply["reply_to"] == C1 and reply["author_id"] == ORG


def test_little_text():
    assert little_text(r"Merci @[Jean \(JB\) Martin](urn:li:person:abc) {hashtag|\#|vélo}!") == (
        "Merci Jean (JB) Martin #vélo!"
    )
    assert little_text(None) == "" and little_text(r"50\% \_ok\_") == r"50\% _ok_"


def test_429_waits_and_sunset_versions_explain_themselves(tmp_path):
    with loopback() as (base, script):
        script.on(POSTS, Reply(429, b"", {"Retry-After": "4"}), ok("comments_empty"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "linkedin", params(base), WINDOW, http)
    assert outcome.error is None and sleeps == [4.0]
    sunset = (
        b'{"status": 426, "code": "NONEXISTENT_VERSION", '
        b'"message": "Requested version 202310 is not active"}'
    )
    with loopback() as (base, script):
        script.on(POSTS, Reply(426, sunset, JSON))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "linkedin", params(base), WINDOW, http, name="q2")
    assert outcome.batch is None and "HTTP 426" in outcome.error
    assert "Requested version 202310 is not active" in outcome.error
    assert "set `version` to a recent YYYYMM" in outcome.error and TOKEN not in outcome.error


def test_missing_token_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("VIGIE_LINKEDIN_TOKEN")
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "linkedin", params(base), WINDOW, http)
    assert outcome.batch is None and "VIGIE_LINKEDIN_TOKEN" in outcome.error
    assert script.requests == []


def test_malformed_answers_and_items():
    for text, reason in [
        (b'{"status": 403, "message": "Not enough permissions"}', "response is an API error"),
        (b'{"paging": {}}', "response has no `elements` list"),
        (b"[]", "response is a JSON list, not a LinkedIn collection"),
        (b"<html/>", "response is not valid JSON"),
    ]:
        mentions, errors = parse_pages("linkedin", [Page("x", 200, "", text, NOW)], now=NOW)
        assert mentions == [] and len(errors) == 1 and errors[0].startswith(reason)
    with pytest.raises(MalformedItem, match="post has no URN id"):
        linkedin.to_mention({"author": ORG, "commentary": "x", "publishedAt": 1})
    with pytest.raises(MalformedItem, match="missing or invalid publishedAt"):
        linkedin.to_mention({"id": P1, "author": ORG, "commentary": "x"})
    with pytest.raises(MalformedItem, match=r"missing or invalid created\.time 'today'"):
        linkedin.to_mention(
            {"commentUrn": C1, "actor": "urn:li:person:x", "created": {"time": "today"}}
        )


def test_audience_of_the_organization_and_a_competitor():
    with loopback() as (base, script):
        script.on(f"/rest/networkSizes/{quote(ORG, safe='')}", ok("network_size"))
        script.on(
            f"/rest/networkSizes/{quote(RIVAL, safe='')}",
            Reply(200, b'{"firstDegreeSize": 950}', JSON),
        )
        http, _ = test_client()
        parsed = linkedin.Params.model_validate(params(base))
        accounts = ["10438999", ORG, "urn:li:person:Hr1Velora0"]
        pages = list(linkedin.fetch_audience(parsed, accounts, http))
    # The organization itself only once; a member URN has no follower count here.
    assert len(script.requests) == 2
    assert {q["edgeType"] for q in sent(script)} == {"COMPANY_FOLLOWED_BY_MEMBER"}
    assert all(h["LinkedIn-Version"] == "202610" for _, h in script.requests)
    counts = [c for p in pages for c in linkedin.audience_counts(p)]
    assert counts == [
        {
            "account_id": ORG,
            "account_name": None,
            "followers": 18230,
            "observed_at": pages[0].fetched_at,
        },
        {
            "account_id": RIVAL,
            "account_name": None,
            "followers": 950,
            "observed_at": pages[1].fetched_at,
        },
    ]


def test_audience_errors(tmp_path):
    parsed = linkedin.Params.model_validate(params("http://127.0.0.1:9"))
    http, _ = test_client()
    with pytest.raises(Exception, match="expected an organization URN"):
        list(linkedin.fetch_audience(parsed, ["https://linkedin.com/company/cowboy"], http))
    url = f"http://127.0.0.1:9/rest/networkSizes/{quote(ORG, safe='')}?edgeType=X"
    for text, at, reason in [
        (b'{"firstDegreeSize": -3}', url, "follower count -3 is not a count"),
        (b'{"size": 3}', url, "the answer has no firstDegreeSize"),
        (b'{"firstDegreeSize": 3}', "file:///saved.json", "names no organization"),
    ]:
        with pytest.raises(MalformedItem, match=reason):
            list(linkedin.audience_counts(Page(at, 200, "", text, NOW)))


def test_vigie_parse_reads_a_saved_posts_response():
    result = subprocess.run(
        [VIGIE, "parse", "--source", "linkedin", str(FIXTURES / "posts_p2.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    mentions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [m["source_id"] for m in mentions] == [P3]
    assert mentions[0]["published_at"] == "2026-11-01T08:00:00+00:00"
    assert "item 2: post urn:li:share:7263000000000000004 is DRAFT, not published" in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"organization": "velora-bikes"},
        {"organization": "urn:li:person:abc"},
        {"organization": ORG, "version": "2026-10"},
        {"organization": ORG, "version": "202613"},
        {"organization": ORG, "token_env": "AQV pasted token"},
        {"organization": ORG, "page_size": 500},
        {"organization": ORG, "access_token": "inline"},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        linkedin.Params.model_validate(bad)


def test_bare_organization_ids_become_urns():
    assert linkedin.Params.model_validate({"organization": " 10438562 "}).organization == ORG
