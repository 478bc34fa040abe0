"""The Instagram connector (account media, comments and replies, brand hashtags, audience with
business_discovery) against a real server on 127.0.0.1."""

import hashlib
import hmac
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.http import Budget, Page
from connectors.instagram import InstagramConnector
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "instagram"
VIGIE = str(Path(sys.executable).parent / "vigie")
TOKEN = "EAAG-test-instagram-token-987654"
IG_USER = "17841400008460056"
MEDIA_A = "17895695668004550"
HASHTAG_ID = "17843853986012965"
MEDIA = f"/v25.0/{IG_USER}/media"
COMMENTS = f"/v25.0/{MEDIA_A}/comments"
SEARCH = "/v25.0/ig_hashtag_search"
RECENT = f"/v25.0/{HASHTAG_ID}/recent_media"
WINDOW = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
JSON = {"Content-Type": "application/json; charset=UTF-8"}
instagram = get_connector("instagram")


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def ok(name: str, **kwargs) -> Reply:
    return Reply(200, body(name), JSON, **kwargs)


def page(name: str, url: str | None = None) -> Page:
    return Page(url or f"file:///{name}.json", 200, "application/json", body(name), NOW)


def params(base: str, **extra) -> dict:
    return {"base_url": base, "ig_user_id": IG_USER, **extra}


def sent(script) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()} for path, _ in script.requests
    ]


def paths(script) -> list[str]:
    return [urlsplit(path).path for path, _ in script.requests]


def fields_of(pages: list[Page]) -> dict[str, dict]:
    out = {}
    for landed in pages:
        for item in instagram.items(landed):
            if item.error is None:
                try:
                    fields = instagram.to_mention(item.payload)
                except MalformedItem:
                    continue
                out[fields["source_id"]] = fields
    return out


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("VIGIE_INSTAGRAM_TOKEN", TOKEN)


@pytest.fixture(autouse=True)
def fresh_budget(monkeypatch):
    declared = InstagramConnector.budget
    monkeypatch.setattr(
        InstagramConnector, "budget", Budget(declared.requests, declared.per_seconds)
    )


def serve_everything(script) -> None:
    script.on(MEDIA, ok("media_p1"), ok("media_p2"), ok("empty"))
    script.on(COMMENTS, ok("comments_p1"), ok("comments_p2"))
    script.on(SEARCH, ok("hashtag_search"))
    script.on(RECENT, ok("hashtag_recent_p1"), ok("hashtag_recent_p2"), ok("empty"))


def test_media_comments_and_hashtags_are_paged(tmp_path):
    with loopback() as (base, script):
        serve_everything(script)
        http, sleeps = test_client()
        outcome = collect_once(
            tmp_path, "instagram", params(base, hashtags=["#Velora"]), WINDOW, http
        )
    assert outcome.error is None and sleeps == []
    # media p2 is older than the look-back and recent p2 older than the window: both still
    # offer `next`, neither is followed. Media without comments and old media cost no call.
    assert paths(script) == [MEDIA, COMMENTS, COMMENTS, MEDIA, SEARCH, RECENT, RECENT]
    assert len(outcome.batch.pages) == 6  # the hashtag search holds no post: not landed
    media1, comments1, comments2, media2, search, recent1, recent2 = sent(script)
    assert media1 == {
        "fields": "id,caption,media_type,media_product_type,permalink,timestamp,username,"
        "owner,like_count,comments_count",
        "limit": "25",
    }
    assert media2 == {**media1, "after": "QVFIUm1lZGlhQWZ0ZXIx"}
    assert "media{id}" in comments1["fields"] and "replies{" in comments1["fields"]
    assert comments2 == {**comments1, "after": "QVFIUmNvbW1lbnRzQWZ0ZXIx"}
    assert search == {"user_id": IG_USER, "q": "velora"}
    assert recent1["user_id"] == IG_USER and "timestamp" in recent1["fields"]
    assert recent2 == {**recent1, "after": "QVFIUmhhc2h0YWdBZnRlcjE"}
    for path, headers in script.requests:
        assert headers["Authorization"] == f"Bearer {TOKEN}" and TOKEN not in path
    mentions, errors = parse_pages("instagram", list(outcome.batch.read_pages()), now=NOW)
    assert len(mentions) == 10
    assert sorted(errors) == [
        "comment has no id",
        "media 17895695668004553: missing or unparseable timestamp None",
    ]
    replies = {k: v["reply_to"] for k, v in fields_of(list(outcome.batch.read_pages())).items()}
    assert replies == {
        MEDIA_A: None,
        "17895695668004551": None,
        "17895695668004552": None,
        "17870913679156914": MEDIA_A,
        "17870913679156999": "17870913679156914",  # the brand answers Marie
        "17873440459141021": MEDIA_A,
        "17873440459141100": MEDIA_A,
        "18012345678901234": None,
        "18012345678901235": None,
        "18012345678901236": None,
    }


def test_media_and_comment_mapping():
    media = json.loads(body("media_p1"))["data"][0]
    assert instagram.to_mention(media) == {
        "source_id": MEDIA_A,
        "url": "https://www.instagram.com/p/DBv3l0raE2s/",
        "published_at": "2026-11-20T10:00:00+0000",
        "title": None,
        "text": "La nouvelle Velora E2 Step est là 🚲⚡ #velora #ebike",
        "author_id": IG_USER,
        "author_name": "velorabikes",
        "author_followers": None,
        "lang": None,
        "likes": 1204,
        "shares": None,
        "comments": 4,
        "is_repost": False,
        "reply_to": None,
    }
    found = fields_of([page("comments_p1")])
    assert found["17870913679156914"] == {
        "source_id": "17870913679156914",
        "url": None,
        "published_at": "2026-11-20T12:31:00+0000",
        "title": None,
        "text": "Elle tient combien de km la batterie ? Ma E1 ne fait plus que 20 km 😞",
        "author_id": "17841455501234567",
        "author_name": "marie.dupont",
        "author_followers": None,
        "lang": None,
        "likes": 6,
        "shares": None,
        "comments": 1,
        "is_repost": False,
        "reply_to": MEDIA_A,
    }
    reply = found["17870913679156999"]
    assert (reply["author_id"], reply["reply_to"], reply["comments"]) == (
        IG_USER,
        "17870913679156914",
        None,
    )
    hidden_likes = fields_of([page("hashtag_recent_p1")])["18012345678901235"]
    assert hidden_likes["likes"] is None and hidden_likes["author_id"] is None


def test_only_hashtags_top_media_pages_to_the_end(tmp_path):
    top = f"/v25.0/{HASHTAG_ID}/top_media"
    with loopback() as (base, script):
        script.on(SEARCH, ok("hashtag_search"))
        script.on(top, ok("hashtag_recent_p1"), ok("hashtag_recent_p2"), ok("empty"))
        http, _ = test_client()
        watch = params(base, media=False, hashtags=["velora"], hashtag_edge="top_media")
        outcome = collect_once(tmp_path, "instagram", watch, WINDOW, http)
    assert outcome.error is None
    # top_media has no time order: paging goes on until an empty page.
    assert paths(script) == [SEARCH, top, top, top]


def test_unknown_hashtag_is_a_clear_error(tmp_path):
    with loopback() as (base, script):
        script.on(SEARCH, ok("empty"))
        http, _ = test_client()
        watch = params(base, media=False, hashtags=["nothing"])
        outcome = collect_once(tmp_path, "instagram", watch, WINDOW, http)
    assert outcome.batch is None
    assert outcome.error.startswith("instagram: hashtag search for #nothing gave no id")


def test_429_waits_and_permission_errors_explain_themselves(tmp_path):
    with loopback() as (base, script):
        script.on(MEDIA, Reply(429, b"", {"Retry-After": "3"}), ok("empty"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "instagram", params(base), WINDOW, http)
    assert outcome.error is None and sleeps == [3.0]
    denied = b'{"error": {"message": "(#10) Application does not have permission", "code": 10}}'
    with loopback() as (base, script):
        script.on(MEDIA, Reply(403, denied, JSON))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "instagram", params(base), WINDOW, http, name="q2")
    assert outcome.batch is None and "HTTP 403" in outcome.error
    assert "10 or 200 = a missing permission" in outcome.error and TOKEN not in outcome.error


def test_missing_token_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("VIGIE_INSTAGRAM_TOKEN")
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "instagram", params(base), WINDOW, http)
    assert outcome.batch is None and "VIGIE_INSTAGRAM_TOKEN" in outcome.error
    assert script.requests == []


def test_malformed_items_are_reported_with_a_reason():
    mentions, errors = parse_pages(
        "instagram", [Page("x", 200, "", b'{"error": {"message": "bad", "code": 1}}', NOW)]
    )
    assert mentions == [] and errors == ["response is an API error: bad"]
    with pytest.raises(MalformedItem, match="media has no id"):
        instagram.to_mention({"media_type": "IMAGE", "timestamp": "2026-11-20T10:00:00+0000"})
    with pytest.raises(MalformedItem, match="comment 1: missing or unparseable timestamp 'x'"):
        instagram.to_mention({"id": "1", "text": "hi", "timestamp": "x"})
    items = list(instagram.items(Page("x", 200, "", b'{"data": [7]}', NOW)))
    assert [i.error for i in items] == ["item is a int, not an object"]


def test_audience_with_business_discovery(tmp_path):
    own = f"/v25.0/{IG_USER}"
    with loopback() as (base, script):
        script.on(own, ok("user"), ok("business_discovery"))
        http, _ = test_client()
        parsed = instagram.Params.model_validate(params(base))
        # The watchlist's accounts: the brand's own id (asked once) and a competitor's name.
        pages = list(instagram.fetch_audience(parsed, [IG_USER, "@cowboy"], http))
    assert paths(script) == [own, own]
    assert [q["fields"] for q in sent(script)] == [
        "id,username,name,followers_count",
        "business_discovery.username(cowboy){id,username,name,followers_count}",
    ]
    assert all(h["Authorization"] == f"Bearer {TOKEN}" for _, h in script.requests)
    counts = [c for p in pages for c in instagram.audience_counts(p)]
    assert [(c["account_id"], c["account_name"], c["followers"]) for c in counts] == [
        (IG_USER, "velorabikes", 23877),
        ("17841401234567890", "cowboy", 310245),
    ]
    assert counts[0]["observed_at"] == pages[0].fetched_at


def test_bad_competitor_usernames_and_malformed_audience(tmp_path):
    parsed = instagram.Params.model_validate(params("http://127.0.0.1:9"))
    http, _ = test_client()
    with pytest.raises(Exception, match="are neither Instagram user ids nor usernames"):
        list(instagram.fetch_audience(parsed, ["https://instagram.com/cowboy"], http))
    for text, reason in [
        (b'{"id": "1", "username": "x"}', "follower count None is not a count"),
        (b'{"business_discovery": [], "id": "1"}', "business_discovery is not an object"),
        (b'{"error": {"code": 110}}', "not an Instagram user object"),
    ]:
        with pytest.raises(MalformedItem, match=reason):
            list(instagram.audience_counts(Page("x", 200, "", text, NOW)))


def test_vigie_parse_reads_a_saved_comments_response():
    result = subprocess.run(
        [VIGIE, "parse", "--source", "instagram", str(FIXTURES / "comments_p1.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    mentions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [m["source_id"] for m in mentions] == [
        "17870913679156914",
        "17870913679156999",
        "17873440459141021",
    ]
    assert "3 mention(s) parsed, 0 item(s) skipped" in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"ig_user_id": "velorabikes"},
        {"ig_user_id": IG_USER, "media": False},
        {"ig_user_id": IG_USER, "hashtags": ["  "]},
        {"ig_user_id": IG_USER, "hashtags": [f"tag{i}" for i in range(31)]},
        {"ig_user_id": IG_USER, "hashtag_edge": "all_media"},
        {"ig_user_id": IG_USER, "token_env": "EAAG pasted"},
        {"ig_user_id": IG_USER, "access_token": "inline"},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        instagram.Params.model_validate(bad)


def test_app_secret_proof_is_sent_when_configured(tmp_path, monkeypatch):
    monkeypatch.setenv("IG_APP_SECRET", "s3cret-app")
    proof = hmac.new(b"s3cret-app", TOKEN.encode(), hashlib.sha256).hexdigest()
    with loopback() as (base, script):
        script.on(MEDIA, ok("empty"))
        script.on(SEARCH, ok("hashtag_search"))
        script.on(RECENT, ok("empty"))
        http, _ = test_client()
        watch = params(base, hashtags=["velora"], app_secret_env="IG_APP_SECRET")
        outcome = collect_once(tmp_path, "instagram", watch, WINDOW, http)
    assert outcome.error is None and paths(script) == [MEDIA, SEARCH, RECENT]
    assert [q["appsecret_proof"] for q in sent(script)] == [proof] * 3
