"""The Bluesky connector against real servers on 127.0.0.1 (one standing in for the public
AppView, one for the PDS), with fixtures in the shape of the app.bsky.feed lexicons."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.bluesky import BlueskyConnector
from connectors.http import Budget, Page
from pipelines.parse import parse_file
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "bluesky"
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
WINDOW = Window(datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 20, 10, tzinfo=UTC))
SEARCH = "/xrpc/app.bsky.feed.searchPosts"
FEED = "/xrpc/app.bsky.feed.getAuthorFeed"
CREATE = "/xrpc/com.atproto.server.createSession"
REFRESH = "/xrpc/com.atproto.server.refreshSession"
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}
HANDLE, PASSWORD = "vigie-bot.bsky.social", "abcd-efgh-ijkl-mnop"
SESSION = json.loads((FIXTURES / "session.json").read_text(encoding="utf-8"))
bluesky = get_connector("bluesky")


def ok(name: str) -> Reply:
    return Reply(200, (FIXTURES / name).read_bytes(), JSON_TYPE)


def session_reply(access_exp: int | None = None, tag: str = "") -> Reply:
    """A createSession/refreshSession answer; `access_exp` makes a token that expires then."""
    body = dict(SESSION)
    if access_exp is not None:
        claims = {"scope": "com.atproto.appPass", "sub": SESSION["did"], "exp": access_exp}
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        body["accessJwt"] = f"eyJ0eXAiOiJhdCtqd3QiLCJhbGciOiJFUzI1NksifQ.{payload}.c2ln{tag}"
        body["refreshJwt"] = f"refresh-{tag or 'token'}"
    return Reply(200, json.dumps(body).encode(), JSON_TYPE)


def gets(script, path: str = SEARCH) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(p).query) for p, _ in script.requests if p.startswith(path)]


def parsed(outcome):
    assert outcome.error is None, outcome.error
    return parse_pages("bluesky", list(outcome.batch.read_pages()), now=NOW)


def page_of(name: str) -> Page:
    body = (FIXTURES / name).read_bytes()
    return Page("https://public.api.bsky.app" + SEARCH, 200, "application/json", body, NOW)


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """Fresh budgets, no credentials, and no session left over: the connector is a
    process-wide singleton that keeps its sessions for the life of the process."""
    monkeypatch.setattr(BlueskyConnector, "budget", Budget(requests=3000, per_seconds=300))
    monkeypatch.setattr(BlueskyConnector, "login_budget", Budget(requests=30, per_seconds=300))
    monkeypatch.delenv("VIGIE_BLUESKY_HANDLE", raising=False)
    monkeypatch.delenv("VIGIE_BLUESKY_APP_PASSWORD", raising=False)
    bluesky._sessions.clear()
    yield
    bluesky._sessions.clear()


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("VIGIE_BLUESKY_HANDLE", HANDLE)
    monkeypatch.setenv("VIGIE_BLUESKY_APP_PASSWORD", PASSWORD)


@pytest.fixture
def servers():
    """(AppView base, its script, PDS base, its script)."""
    with loopback() as (appview, appview_script), loopback() as (pds, pds_script):
        yield appview, appview_script, pds, pds_script


@pytest.fixture
def server():
    """One server as both AppView and PDS, where telling them apart does not matter."""
    with loopback() as (base, script):
        yield base, script


def search_params(appview: str, pds: str, **extra) -> dict:
    return {"base_url": appview, "pds_url": pds, "search": ["velora"], **extra}


def test_search_logs_in_and_pages_by_cursor_to_the_end(tmp_path, credentials, servers):
    appview, appview_script, pds, script = servers
    script.on(CREATE, session_reply())
    script.on(SEARCH, ok("search_page1.json"), ok("search_page2.json"), ok("search_page3.json"))
    http, _ = test_client()
    outcome = collect_once(tmp_path, "bluesky", search_params(appview, pds), WINDOW, http)

    [(path, _, body)] = script.posts
    assert path == CREATE and json.loads(body) == {"identifier": HANDLE, "password": PASSWORD}
    assert appview_script.requests == []  # logged-in reads go through the PDS
    assert [q.get("cursor") for q in gets(script)] == [None, ["100"], ["200"]]
    assert all(
        q["q"] == ["velora"]
        and q["sort"] == ["latest"]
        and q["since"] == ["2026-11-20T09:00:00.000Z"]
        and q["until"] == ["2026-11-20T10:00:00.000Z"]
        and q["limit"] == ["100"]
        for q in gets(script)
    )
    assert {h["Authorization"] for _, h in script.requests} == {f"Bearer {SESSION['accessJwt']}"}
    mentions, errors = parsed(outcome)
    assert [m["url"].rsplit("/", 1)[1] for m in mentions] == [
        "3lbqxe2ymk22a",
        "3lbqwq7c5ss2k",
        "3lbqwgkdhtk2s",
        "3lbqvtuxyxc2u",
        "3lbquxt5v2s2y",
    ]
    assert errors == ["post has no at:// uri", "published_at: unparseable date 'not-a-date'"]
    assert PASSWORD not in json.dumps([str(p) for p in outcome.batch.pages])


def test_a_post_maps_to_every_canonical_field():
    items = list(bluesky.items(page_of("search_page1.json")))
    assert bluesky.to_mention(items[1].payload) == {
        "source_id": "at://did:plc:w4xbfzo7kqfes5zb7r6qv3rw/app.bsky.feed.post/3lbqwq7c5ss2k",
        "url": "https://bsky.app/profile/did:plc:w4xbfzo7kqfes5zb7r6qv3rw/post/3lbqwq7c5ss2k",
        "published_at": "2026-11-20T09:41:05.123Z",
        "title": None,
        "text": 'Ma batterie #Velora chauffe "beaucoup" & le SAV ne répond pas.\n'
        "Quelqu'un d'autre ? @velora.bsky.social",
        "lang": "fr",
        "is_repost": False,
        "likes": 4,
        "shares": 7,  # 5 reposts + 2 quotes
        "comments": 9,
        "author_id": "did:plc:w4xbfzo7kqfes5zb7r6qv3rw",
        "author_name": "Camille 🚲",
        "author_followers": None,  # not in the basic profile view
        "reply_to": None,
    }
    mentions, errors = parse_pages("bluesky", [page_of("search_page1.json")], now=NOW)
    assert errors == [] and mentions[1]["published_at"] == datetime(
        2026, 11, 20, 9, 41, 5, 123000, tzinfo=UTC
    )
    assert mentions[2]["author_name"] == "jdupont.fr"  # empty display name: the handle


def test_an_image_only_post_is_read_through_its_alt_text():
    payload = next(bluesky.items(page_of("search_page2.json"))).payload
    assert bluesky.to_mention(payload)["text"] == "A red Velora C2 parked by the canal"


def test_author_feed_reads_the_public_appview_and_stops_past_the_window(tmp_path, servers):
    appview, script, pds, pds_script = servers
    script.on(
        FEED,
        ok("author_feed_page1.json"),
        ok("author_feed_older.json"),
        ok("author_feed_empty.json"),
    )
    http, _ = test_client()
    params = {"base_url": appview, "pds_url": pds, "authors": ["@velora.bsky.social"]}
    outcome = collect_once(tmp_path, "bluesky", params, WINDOW, http)

    assert pds_script.requests == [] and pds_script.posts == []  # no login for public feeds
    assert [q.get("cursor") for q in gets(script, FEED)] == [None, ["2026-11-20T09:20:00.000Z"]]
    assert gets(script, FEED)[0]["actor"] == ["velora.bsky.social"]
    assert all("Authorization" not in h for _, h in script.requests)
    mentions, errors = parsed(outcome)
    assert errors == [] and len(mentions) == 5
    assert [m["flags"] for m in mentions[:3]] == [[], ["repost"], []]


def test_a_repost_keeps_the_reposter_and_takes_the_original_words():
    body = (FIXTURES / "author_feed_page1.json").read_bytes()
    page = Page("https://public.api.bsky.app" + FEED, 200, "application/json", body, NOW)
    repost = list(bluesky.items(page))[1].payload
    original = "at://did:plc:atelierzqvxm4m6n2p2r4t6a/app.bsky.feed.post/3lbpz4bq7ck2e"
    assert bluesky.to_mention(repost) == {
        "source_id": f"{original}#repost-by-did:plc:veloraqbkes7qz3n5w2x4y6a",
        "url": "https://bsky.app/profile/did:plc:atelierzqvxm4m6n2p2r4t6a/post/3lbpz4bq7ck2e",
        "published_at": "2026-11-20T09:45:30.000Z",  # when it was reposted
        "title": None,
        "text": "Notre test du Velora C2 : solide, autonomie honnête & freins au top.",
        "lang": "fr",
        "is_repost": True,
        "likes": None,  # the original's 90 likes are the original's
        "shares": None,
        "comments": None,
        "author_id": "did:plc:veloraqbkes7qz3n5w2x4y6a",
        "author_name": "Velora Bikes",
        "author_followers": None,
        "reply_to": None,  # the repost answers nothing, whatever the original does
    }
    assert bluesky.record_time(repost) == datetime(2026, 11, 20, 9, 45, 30, tzinfo=UTC)


def test_login_true_sends_author_feeds_through_the_pds(tmp_path, credentials, servers):
    appview, appview_script, pds, script = servers
    script.on(CREATE, session_reply())
    script.on(FEED, ok("author_feed_empty.json"))
    http, _ = test_client()
    params = {"base_url": appview, "pds_url": pds, "authors": ["velora.bsky.social"], "login": True}
    collect_once(tmp_path, "bluesky", params, WINDOW, http)
    assert appview_script.requests == [] and len(script.posts) == 1
    assert script.requests[0][1]["Authorization"] == f"Bearer {SESSION['accessJwt']}"


def test_the_session_is_created_once_and_reused_across_runs(tmp_path, credentials, server):
    base, script = server
    script.on(CREATE, session_reply())
    script.on(SEARCH, ok("search_empty.json"))
    http, _ = test_client()
    params = search_params(base, base)
    collect_once(tmp_path, "bluesky", params, WINDOW, http)
    later = Window(WINDOW.end, WINDOW.end + timedelta(hours=1))
    collect_once(tmp_path, "bluesky", params, later, http)
    collect_once(tmp_path, "bluesky", {**params, "search": ["cyclo"]}, later, http, name="q2")
    assert [path for path, _, _ in script.posts] == [CREATE]
    assert len(gets(script)) == 3


def test_an_expiring_session_is_refreshed_not_recreated(tmp_path, credentials, server):
    base, script = server
    script.on(CREATE, session_reply(access_exp=int(time.time()) + 60, tag="first"))
    script.on(REFRESH, session_reply(access_exp=int(time.time()) + 7200, tag="second"))
    script.on(SEARCH, ok("search_empty.json"))
    http, _ = test_client()
    params = search_params(base, base)
    collect_once(tmp_path, "bluesky", params, WINDOW, http)
    collect_once(
        tmp_path, "bluesky", params, Window(WINDOW.end, WINDOW.end + timedelta(hours=1)), http
    )
    assert [path for path, _, _ in script.posts] == [CREATE, REFRESH]
    assert script.posts[1][1]["Authorization"] == "Bearer refresh-first"
    tokens = [h["Authorization"].rsplit(".", 1)[1] for _, h in script.requests]
    assert tokens == ["c2lnfirst", "c2lnsecond"]


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({}, "VIGIE_BLUESKY_HANDLE"),
        ({"VIGIE_BLUESKY_HANDLE": HANDLE}, "VIGIE_BLUESKY_APP_PASSWORD"),
    ],
)
def test_missing_credentials_are_a_config_error_naming_the_variable(
    tmp_path, monkeypatch, env, named
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # Nothing listens there: had the connector sent anything, this would be a connection
    # error in the outcome, not a ConfigError raised before any request.
    nowhere = "http://127.0.0.1:9"
    http, _ = test_client()
    outcome = collect_once(tmp_path, "bluesky", search_params(nowhere, nowhere), WINDOW, http)
    assert outcome.batch is None and named in outcome.error


def test_a_wrong_app_password_is_a_configuration_error(tmp_path, credentials, server):
    base, script = server
    refused = b'{"error":"AuthenticationRequired","message":"Invalid identifier or password"}'
    script.on(CREATE, Reply(401, refused, JSON_TYPE))
    http, _ = test_client()
    outcome = collect_once(tmp_path, "bluesky", search_params(base, base), WINDOW, http)
    assert outcome.batch is None and "createSession" in outcome.error
    assert "HTTP 401" in outcome.error and "configuration error" in outcome.error
    assert PASSWORD not in outcome.error and script.requests == []


def test_429_waits_for_retry_after_then_carries_on(tmp_path, credentials, server):
    base, script = server
    limited = Reply(
        429,
        b'{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}',
        {**JSON_TYPE, "Retry-After": "7", "RateLimit-Policy": "3000;w=300"},
    )
    script.on(CREATE, session_reply())
    script.on(
        SEARCH, ok("search_page1.json"), limited, ok("search_page2.json"), ok("search_page3.json")
    )
    http, sleeps = test_client()
    outcome = collect_once(tmp_path, "bluesky", search_params(base, base), WINDOW, http)
    assert sleeps == [7]
    assert [q.get("cursor") for q in gets(script)] == [None, ["100"], ["100"], ["200"]]
    assert len(outcome.batch.pages) == 3


def test_a_500_on_page_3_is_retried_and_the_batch_completes(tmp_path, credentials, server):
    base, script = server
    script.on(CREATE, session_reply())
    script.on(
        SEARCH,
        ok("search_page1.json"),
        ok("search_page2.json"),
        Reply(500, b'{"error":"InternalServerError"}', JSON_TYPE),
        ok("search_page3.json"),
    )
    http, sleeps = test_client()
    outcome = collect_once(tmp_path, "bluesky", search_params(base, base), WINDOW, http)
    assert len(gets(script)) == 4 and len(sleeps) == 1
    assert len(outcome.batch.pages) == 3 and len(parsed(outcome)[0]) == 5


def test_a_timeout_is_reported_and_nothing_is_landed(tmp_path, server):
    base, script = server
    body = (FIXTURES / "author_feed_empty.json").read_bytes()
    script.on(FEED, Reply(200, body, JSON_TYPE, delay=0.6))
    http, _ = test_client(timeout=0.15, retries=1)
    params = {"base_url": base, "pds_url": base, "authors": ["velora.bsky.social"]}
    outcome = collect_once(tmp_path, "bluesky", params, WINDOW, http)
    assert outcome.batch is None
    assert (
        "no answer within the timeout" in outcome.error and "gave up after 2 tries" in outcome.error
    )


def test_zero_results_land_one_page_and_no_mentions(tmp_path, credentials, server):
    base, script = server
    script.on(CREATE, session_reply())
    script.on(SEARCH, ok("search_empty.json"))
    http, _ = test_client()
    outcome = collect_once(tmp_path, "bluesky", search_params(base, base), WINDOW, http)
    assert len(gets(script)) == 1 and parsed(outcome) == ([], [])


def test_incremental_runs_resume_at_the_previous_window_end(tmp_path, credentials, server):
    base, script = server
    script.on(CREATE, session_reply())
    script.on(SEARCH, ok("search_empty.json"))
    http, _ = test_client()
    params = search_params(base, base)
    first = collect_once(tmp_path, "bluesky", params, None, http, now=NOW)
    assert first.window == WINDOW

    again = collect_once(tmp_path, "bluesky", params, WINDOW, http)
    assert again.already_landed and len(script.requests) == 1 and len(script.posts) == 1

    second = collect_once(tmp_path, "bluesky", params, None, http, now=NOW + timedelta(hours=1))
    assert second.window.start == first.window.end
    assert [(q["since"], q["until"]) for q in gets(script)] == [
        (["2026-11-20T09:00:00.000Z"], ["2026-11-20T10:00:00.000Z"]),
        (["2026-11-20T10:00:00.000Z"], ["2026-11-20T11:00:00.000Z"]),
    ]


def test_vigie_parse_reads_saved_bodies_of_both_shapes():
    for name, expected in [("search_page1.json", 3), ("author_feed_page1.json", 3)]:
        results = list(parse_file("bluesky", FIXTURES / name))
        assert [error for _, error in results] == [None] * expected


def test_items_that_are_not_posts_are_quarantined():
    bad = [
        (
            {"uri": "at://did:plc:x/app.bsky.feed.like/3abc", "record": {}},
            "is not the URI of a post",
        ),
        ({"uri": "at://did:plc:x/app.bsky.feed.post/3abc"}, "has no record"),
        (
            {"uri": "at://did:plc:x/app.bsky.feed.post/3abc", "record": {"text": "hi"}},
            "has no createdAt",
        ),
        (
            {
                "post": {
                    "uri": "at://did:plc:x/app.bsky.feed.post/3abc",
                    "record": {"text": "hi", "createdAt": "2026-11-20T09:00:00Z"},
                },
                "reason": {
                    "$type": "app.bsky.feed.defs#reasonRepost",
                    "indexedAt": "2026-11-20T09:00:00Z",
                },
            },
            "does not say who reposted it",
        ),
    ]
    for payload, reason in bad:
        with pytest.raises(MalformedItem, match=reason):
            bluesky.to_mention(payload)
    page = Page("https://x" + SEARCH, 200, "text/html", b"<html>403 Forbidden</html>", NOW)
    [item] = bluesky.items(page)
    assert item.error.startswith("response is not valid JSON")


def test_params_are_checked():
    params = bluesky.Params.model_validate(
        {"search": ["velora"], "authors": ["@velora.bsky.social"]}
    )
    assert params.logs_in and params.authors == ["velora.bsky.social"]
    assert not bluesky.Params.model_validate({"authors": ["velora.bsky.social"]}).logs_in
    with pytest.raises(ValidationError, match="at least one of"):
        bluesky.Params.model_validate({})
    with pytest.raises(ValidationError):
        bluesky.Params.model_validate({"search": ["velora"], "password": "inline"})
    with pytest.raises(ValidationError):
        bluesky.Params.model_validate({"search": ["velora"], "base_url": "ftp://x"})


def test_a_reply_names_its_parent_post():
    body = (FIXTURES / "author_feed_page1.json").read_bytes()
    page = Page("https://public.api.bsky.app" + FEED, 200, "application/json", body, NOW)
    fields = [bluesky.to_mention(item.payload) for item in bluesky.items(page)]
    reply = next(f for f in fields if f["text"].startswith("@camille.bsky.social Désolés"))
    assert reply["reply_to"] == (
        "at://did:plc:w4xbfzo7kqfes5zb7r6qv3rw/app.bsky.feed.post/3lbqwq7c5ss2k"
    )
    assert reply["author_id"] == "did:plc:veloraqbkes7qz3n5w2x4y6a"  # the brand answers
    assert [f["reply_to"] for f in fields].count(None) == len(fields) - 1


def test_audience_reads_public_profiles_in_one_call(tmp_path):
    with loopback() as (appview, script):
        script.on("/xrpc/app.bsky.actor.getProfiles", ok("profiles.json"))
        http, _ = test_client()
        watch = bluesky.Params.model_validate(
            {"base_url": appview, "authors": ["cowboy.bike"], "account": "@velora.bsky.social"}
        )
        [page] = bluesky.fetch_audience(watch, ["@cowboy.bike"], http)
    [(path, headers)] = script.requests
    assert parse_qs(urlsplit(path).query) == {"actors": ["velora.bsky.social", "cowboy.bike"]}
    assert "Authorization" not in headers
    assert list(bluesky.audience_counts(page)) == [
        {
            "account_id": "did:plc:veloraqbkes7qz3n5w2x4y6a",
            "account_name": "Velora Bikes",
            "followers": 3410,
            "observed_at": page.fetched_at,
        },
        {
            "account_id": "did:plc:cowboyxq2m4n6p8r0t2v4x6z",
            "account_name": "cowboy.bike",  # empty display name: the handle
            "followers": 9120,
            "observed_at": page.fetched_at,
        },
    ]


def test_audience_asks_at_most_25_actors_a_call(tmp_path):
    with loopback() as (appview, script):
        script.on("/xrpc/app.bsky.actor.getProfiles", Reply(200, b'{"profiles": []}', JSON_TYPE))
        http, _ = test_client()
        watch = bluesky.Params.model_validate({"base_url": appview, "authors": ["a.bsky.social"]})
        extra = [f"rival{i}.bsky.social" for i in range(30)]
        pages = list(bluesky.fetch_audience(watch, extra, http))
    sizes = [len(parse_qs(urlsplit(path).query)["actors"]) for path, _ in script.requests]
    assert sizes == [25, 5] and len(pages) == 2  # the watched authors are not counted


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"profiles": [{"did": "did:plc:x", "handle": "x"}]}', "follower count None"),
        (b'{"profiles": [{"handle": "x", "followersCount": 3}]}', "has no account id"),
        (b'{"error": "InvalidRequest", "message": "bad actor"}', "no `profiles` list"),
        (b'{"profiles": ["did:plc:x"]}', "profile is a str, not an object"),
    ],
)
def test_malformed_audience_answers_raise(body, reason):
    with pytest.raises(MalformedItem, match=reason):
        list(bluesky.audience_counts(Page("x", 200, "", body, NOW)))
