"""The Facebook Pages connector (posts, nested and follow-up comments, Page audience) against
a real server on 127.0.0.1."""

import hashlib
import hmac
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.facebook import FacebookConnector, GraphPaginator
from connectors.http import Budget, Page
from connectors.paginate import Request
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "facebook"
VIGIE = str(Path(sys.executable).parent / "vigie")
TOKEN = "EAAG-test-page-token-0123456789"
PAGE_ID = "104857362910482"
POST_A = "104857362910482_1122334455667788"
POST_B = "104857362910482_1122334455669999"
RIVAL = "100064210987654"
FEED = f"/v25.0/{PAGE_ID}/feed"
COMMENTS = f"/v25.0/{POST_A}/comments"
WINDOW = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
JSON = {"Content-Type": "application/json; charset=UTF-8"}
facebook = get_connector("facebook")


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def ok(name: str, **kwargs) -> Reply:
    return Reply(200, body(name), JSON, **kwargs)


def page(name: str, url: str | None = None) -> Page:
    return Page(url or f"file:///{name}.json", 200, "application/json", body(name), NOW)


def params(base: str, **extra) -> dict:
    return {"base_url": base, "page_id": PAGE_ID, **extra}


def sent(script) -> list[dict[str, str]]:
    return [
        {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()} for path, _ in script.requests
    ]


def paths(script) -> list[str]:
    return [urlsplit(path).path for path, _ in script.requests]


@pytest.fixture(autouse=True)
def token(monkeypatch):
    monkeypatch.setenv("VIGIE_FACEBOOK_PAGE_TOKEN", TOKEN)


@pytest.fixture(autouse=True)
def fresh_budget(monkeypatch):
    declared = FacebookConnector.budget
    monkeypatch.setattr(
        FacebookConnector, "budget", Budget(declared.requests, declared.per_seconds)
    )


def test_posts_and_comments_are_paged_with_cursors(tmp_path):
    with loopback() as (base, script):
        script.on(FEED, ok("feed_p1"), ok("feed_p2"))
        script.on(COMMENTS, ok("comments_p1"), ok("comments_p2"), ok("feed_empty"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "facebook", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 4
    # The old comments page still offers `next`: newest first, so it is not followed.
    assert paths(script) == [FEED, COMMENTS, COMMENTS, FEED]
    feed1, comments1, comments2, feed2 = sent(script)
    assert feed1["since"] == str(int((WINDOW.start - timedelta(days=7)).timestamp()))
    assert feed1["until"] == str(int(WINDOW.end.timestamp()))
    assert feed1["limit"] == "25" and "after" not in feed1
    assert feed1["fields"].startswith("id,created_time,message,story,permalink_url,from{id,name}")
    assert "reactions.summary(total_count).limit(0)" in feed1["fields"]
    assert "comments.filter(stream).order(reverse_chronological).limit(100)" in feed1["fields"]
    assert feed2 == {**feed1, "after": "QVFIUmZlZWRBZnRlcjE"}
    assert comments1["after"] == "QVFIUmNvbW1lbnRzQWZ0ZXIx"
    assert (comments1["filter"], comments1["order"]) == ("stream", "reverse_chronological")
    assert comments2 == {**comments1, "after": "QVFIUmNvbW1lbnRzQWZ0ZXIy"}
    for path, headers in script.requests:
        assert headers["Authorization"] == f"Bearer {TOKEN}"
        assert TOKEN not in path and "access_token" not in path
    assert sleeps == []
    mentions, errors = parse_pages("facebook", list(outcome.batch.read_pages()), now=NOW)
    # feed p1: 2 posts + 3 nested comments; comments: 3 + 1; feed p2: 1 good post.
    assert len(mentions) == 10
    assert sorted(errors) == [
        "comment has no id (Graph withholds comment ids from tokens that cannot moderate the Page)",
        "post 104857362910482_1122334455660002: missing or unparseable created_time None",
    ]
    landed = "".join(p.read_text("utf-8") for p in outcome.batch.path.rglob("*") if p.is_file())
    assert TOKEN not in landed


def test_reply_to_links_comments_to_their_post_or_parent(tmp_path):
    with loopback() as (base, script):
        script.on(FEED, ok("feed_p1"), ok("feed_p2"))
        script.on(COMMENTS, ok("comments_p1"), ok("comments_p2"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "facebook", params(base), WINDOW, http)
    connector = facebook
    replies = {}
    for landed in outcome.batch.read_pages():
        for item in connector.items(landed):
            if item.error is None:
                try:
                    fields = connector.to_mention(item.payload)
                except MalformedItem:
                    continue
                replies[fields["source_id"]] = fields["reply_to"]
    assert replies == {
        POST_A: None,
        POST_B: None,
        "104857362910482_1122334455660001": None,
        "1122334455667788_3301": "1122334455667788_3298",  # the Page answers Marie
        "1122334455667788_3298": POST_A,
        "1122334455669999_4410": POST_B,
        # Follow-up pages: the post comes from the /{post-id}/comments URL.
        "1122334455667788_3290": POST_A,
        "1122334455667788_3286": "1122334455667788_3287",
        "1122334455667788_3287": POST_A,
        "1122334455667788_3270": POST_A,
    }


def test_post_mapping():
    post = json.loads(body("feed_p1"))["data"][0]
    assert facebook.to_mention(post) == {
        "source_id": POST_A,
        "url": "https://www.facebook.com/104857362910482/posts/1122334455667788",
        "published_at": "2026-11-20T09:00:00+0000",
        "title": None,
        "text": "Nouvelle mise à jour de l'appli Velora : suivi de batterie en temps réel 🔋",
        "author_id": PAGE_ID,
        "author_name": "Velora Bikes",
        "author_followers": None,
        "lang": None,
        "likes": 231,
        "shares": 14,
        "comments": 6,
        "is_repost": False,
        "reply_to": None,
    }
    shared = facebook.to_mention(json.loads(body("feed_p2"))["data"][0])
    assert shared["is_repost"] is True and shared["shares"] is None and shared["likes"] == 48
    [first, *_], _ = parse_pages("facebook", [page("feed_p1")], now=NOW)
    assert first["published_at"] == datetime(2026, 11, 20, 9, tzinfo=UTC)
    assert first["author_id"] not in (None, PAGE_ID)  # pseudonymized by normalize
    assert first["reach_estimate"] == 231 + 14 + 6


def test_comment_mapping():
    items = list(facebook.items(page("feed_p1")))
    reply = next(i.payload for i in items if i.payload.get("id") == "1122334455667788_3301")
    assert facebook.to_mention(reply) == {
        "source_id": "1122334455667788_3301",
        "url": "https://www.facebook.com/104857362910482/posts/1122334455667788/?comment_id=3301",
        "published_at": "2026-11-20T21:40:12+0000",
        "title": None,
        "text": "Merci pour votre retour Marie, on vous contacte en privé.",
        "author_id": PAGE_ID,  # the brand's own answer, recognisable by its Page id
        "author_name": "Velora Bikes",
        "author_followers": None,
        "lang": None,
        "likes": 2,
        "shares": None,
        "comments": 0,
        "is_repost": False,
        "reply_to": "1122334455667788_3298",
    }


def test_saved_comments_body_alone_does_not_name_its_post():
    mentions = [facebook.to_mention(i.payload) for i in facebook.items(page("comments_p1"))]
    assert [m["reply_to"] for m in mentions] == [None, "1122334455667788_3287", None]
    landed = page("comments_p1", f"http://127.0.0.1:9/v25.0/{POST_A}/comments?after=x")
    mentions = [facebook.to_mention(i.payload) for i in facebook.items(landed)]
    assert [m["reply_to"] for m in mentions] == [POST_A, "1122334455667788_3287", POST_A]


def test_without_comments_only_the_window_is_asked_and_no_comment_fields(tmp_path):
    with loopback() as (base, script):
        script.on(f"/v25.0/{PAGE_ID}/posts", ok("feed_p1"), ok("feed_p2"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "facebook", params(base, comments=False, edge="posts"), WINDOW, http
        )
    assert outcome.error is None
    assert paths(script) == [f"/v25.0/{PAGE_ID}/posts"] * 2
    first = sent(script)[0]
    assert first["since"] == str(int(WINDOW.start.timestamp()))
    assert "comments" not in first["fields"] and first["fields"].endswith(".limit(0)")


def test_time_paged_edges_follow_the_query_of_next_without_its_token():
    paginator = GraphPaginator()
    request = Request("http://127.0.0.1:9/v25.0/1/feed", {"fields": "id", "limit": 25})
    data = {
        "data": [{"id": "1_2"}],
        "paging": {
            "previous": "https://graph.facebook.com/v25.0/1/feed?since=1763600000&access_token=T",
            "next": "https://graph.facebook.com/v25.0/1/feed?limit=25&until=1763590000"
            "&access_token=T&__paging_token=enc_Adk",
        },
    }
    following = paginator.next(request, None, data, data["data"])
    assert following.url == request.url
    assert following.params == {
        "fields": "id",
        "limit": "25",
        "until": "1763590000",
        "__paging_token": "enc_Adk",
    }
    assert paginator.next(following, None, {"data": [], "paging": {}}, []) is None


def test_429_waits_for_retry_after(tmp_path):
    with loopback() as (base, script):
        script.on(FEED, Reply(429, b"", {"Retry-After": "5"}), ok("feed_empty"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "facebook", params(base), WINDOW, http)
    assert outcome.error is None and sleeps == [5.0] and len(script.requests) == 2


def test_graph_throttling_fails_the_window_with_a_reason_and_no_token(tmp_path):
    throttled = (
        b'{"error": {"message": "(#4) Application request limit reached", '
        b'"type": "OAuthException", "is_transient": true, "code": 4, "fbtrace_id": "A1b2"}}'
    )
    with loopback() as (base, script):
        script.on(FEED, Reply(400, throttled, JSON))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "facebook", params(base), WINDOW, http)
    assert outcome.batch is None and len(script.requests) == 1
    assert "HTTP 400" in outcome.error and "Application request limit reached" in outcome.error
    assert "4, 17, 32 or 613 = rate limited" in outcome.error
    assert TOKEN not in outcome.error


def test_500_is_retried(tmp_path):
    with loopback() as (base, script):
        script.on(FEED, Reply(500, b'{"error": {"code": 2}}', JSON), ok("feed_empty"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "facebook", params(base), WINDOW, http)
    assert outcome.error is None and len(sleeps) == 1 and len(script.requests) == 2


def test_missing_token_is_a_config_error_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("VIGIE_FACEBOOK_PAGE_TOKEN")
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "facebook", params(base), WINDOW, http)
    assert outcome.batch is None and "VIGIE_FACEBOOK_PAGE_TOKEN" in outcome.error
    assert script.requests == []


def test_malformed_items_are_reported_with_a_reason():
    broken = {
        b"<html>oops</html>": "response is not valid JSON",
        b'{"error": {"message": "Invalid OAuth access token.", "code": 190}}': (
            "response is an API error: Invalid OAuth access token."
        ),
        b'{"data": {}}': "response has no `data` list",
        b"[1, 2]": "response is a JSON list, not a Graph API object",
    }
    for text, reason in broken.items():
        mentions, errors = parse_pages("facebook", [Page("x", 200, "", text, NOW)], now=NOW)
        assert mentions == [] and len(errors) == 1 and errors[0].startswith(reason)
    with pytest.raises(MalformedItem, match="post has no id"):
        facebook.to_mention({"created_time": "2026-11-20T09:00:00+0000", "message": "x"})
    with pytest.raises(MalformedItem, match="unparseable created_time 'hier'"):
        facebook.to_mention({"id": "1_2", "created_time": "hier"})
    with pytest.raises(MalformedItem, match="item is not an object"):
        facebook.to_mention("1_2")


def test_audience_of_the_page_and_a_rival(tmp_path):
    connector = facebook
    with loopback() as (base, script):
        script.on(f"/v25.0/{PAGE_ID}", ok("page"))
        script.on(f"/v25.0/{RIVAL}", ok("page_rival"))
        http, _ = test_client()
        parsed = connector.Params.model_validate(params(base))
        pages = list(connector.fetch_audience(parsed, [RIVAL, PAGE_ID], http))
    assert paths(script) == [f"/v25.0/{PAGE_ID}", f"/v25.0/{RIVAL}"]  # the Page once
    assert {q["fields"] for q in sent(script)} == {"id,name,followers_count,fan_count"}
    assert all(h["Authorization"] == f"Bearer {TOKEN}" for _, h in script.requests)
    counts = [c for p in pages for c in connector.audience_counts(p)]
    assert counts == [
        {
            "account_id": PAGE_ID,
            "account_name": "Velora Bikes",
            "followers": 48210,
            "observed_at": pages[0].fetched_at,
        },
        {
            "account_id": RIVAL,
            "account_name": "Cowboy",
            "followers": 120400,  # no followers_count: the Page's fan_count
            "observed_at": pages[1].fetched_at,
        },
    ]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b'{"name": "x", "followers_count": 3}', "audience entry has no account id"),
        (b'{"id": "1", "followers_count": "many"}', "follower count 'many' is not a count"),
        (b'{"id": "1", "name": "x"}', "follower count None is not a count"),
        (b'{"error": {"code": 100}}', "the answer is not a Page object"),
        (b"not json", "response is not valid JSON"),
    ],
)
def test_malformed_audience_pages_raise(text, reason):
    with pytest.raises(MalformedItem, match=reason):
        list(facebook.audience_counts(Page("x", 200, "", text, NOW)))


def test_vigie_parse_reads_a_saved_feed_response():
    result = subprocess.run(
        [VIGIE, "parse", "--source", "facebook", str(FIXTURES / "feed_p1.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    mentions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [m["source_id"] for m in mentions] == [
        POST_A,
        "1122334455667788_3301",
        "1122334455667788_3298",
        POST_B,
        "1122334455669999_4410",
    ]
    assert mentions[0]["likes"] == 231 and mentions[0]["comments"] == 6
    assert "5 mention(s) parsed, 0 item(s) skipped" in result.stderr


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"page_id": "https://facebook.com/velora"},
        {"page_id": PAGE_ID, "edge": "photos"},
        {"page_id": PAGE_ID, "api_version": "25"},
        {"page_id": PAGE_ID, "token_env": "EAAG-pasted-token"},
        {"page_id": PAGE_ID, "token": "inline secrets are refused"},
        {"page_id": PAGE_ID, "base_url": "ftp://x"},
        {"page_id": PAGE_ID, "comment_lookback_days": -1},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        facebook.Params.model_validate(bad)


def test_app_secret_proof_goes_with_every_call_and_the_secret_nowhere(tmp_path, monkeypatch):
    secret = "0123456789abcdef-app-secret"
    monkeypatch.setenv("VIGIE_FB_APP_SECRET", secret)
    proof = hmac.new(secret.encode(), TOKEN.encode(), hashlib.sha256).hexdigest()
    watch = params("", app_secret_env="VIGIE_FB_APP_SECRET")
    with loopback() as (base, script):
        script.on(FEED, ok("feed_p1"), ok("feed_p2"))
        script.on(COMMENTS, ok("comments_p1"), ok("comments_p2"))
        script.on(f"/v25.0/{PAGE_ID}", ok("page"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "facebook", {**watch, "base_url": base}, WINDOW, http)
        parsed = facebook.Params.model_validate({**watch, "base_url": base})
        list(facebook.fetch_audience(parsed, [], http))
    assert outcome.error is None and len(script.requests) == 5
    assert [q.get("appsecret_proof") for q in sent(script)] == [proof] * 5
    landed = "".join(p.read_text("utf-8") for p in outcome.batch.path.rglob("*") if p.is_file())
    assert secret not in landed and proof not in landed
    monkeypatch.delenv("VIGIE_FB_APP_SECRET")
    failed = collect_once(
        tmp_path, "facebook", {**watch, "base_url": base}, WINDOW, http, name="q2"
    )
    assert failed.batch is None and "VIGIE_FB_APP_SECRET" in failed.error
