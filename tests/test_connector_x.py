"""The X recent-search connector against a real HTTP server on 127.0.0.1, with fixtures in
the documented response shape (posts in `data`, authors in `includes.users`, `meta`)."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

import connectors.x as x_module
from connectors import get_connector
from connectors.base import Window
from connectors.http import Budget, Page
from pipelines.parse import parse_file
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "x"
W = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 3, 25, tzinfo=UTC)
PATH = "/2/tweets/search/recent"
TOKEN_ENV = "VIGIE_X_BEARER_TOKEN"
x = get_connector("x")


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def page(name: str) -> Page:
    return Page(f"https://api.x.com{PATH}", 200, "application/json", body(name), NOW)


def params(base: str, **extra) -> dict:
    return {"query": "velora -is:nullcast", "base_url": base, **extra}


def query_of(path: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(path).query)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    """X's seven-day horizon is measured from a frozen now; a token is set; a fresh budget."""
    monkeypatch.setattr(x_module, "utc_now", lambda: NOW)
    monkeypatch.setenv(TOKEN_ENV, "AAAA-test-bearer")
    monkeypatch.setattr(type(x), "budget", Budget(450, 900))


def test_window_maps_to_start_and_end_time_and_pages_follow_next_token():
    with loopback() as (base, script):
        script.on(
            PATH,
            Reply(200, body("search_page1.json")),
            Reply(200, body("search_page2.json")),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        pages = list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert [p.body for p in pages] == [body(f"search_page{n}.json") for n in (1, 2, 3)]
    first = query_of(script.requests[0][0])
    assert first == {
        "query": ["velora -is:nullcast"],
        "start_time": ["2026-11-20T00:00:00Z"],
        "end_time": ["2026-11-21T00:00:00Z"],
        "max_results": ["100"],
        "tweet.fields": [
            "created_at,lang,public_metrics,referenced_tweets,author_id,conversation_id,note_tweet"
        ],
        "expansions": ["author_id"],
        "user.fields": ["username,name,public_metrics"],
    }
    second, third = (query_of(path) for path, _ in script.requests[1:])
    assert second == {**first, "next_token": ["b26v89c19zqg8o3fpe17f4fdtr4ghw6o9cm2jmp8pzuv1"]}
    assert third["next_token"] == ["b26v89c19zqg8o3fpe17f4fdtr4ghw6o9cm2jmp8q0ab7"]
    assert all(h["Authorization"] == "Bearer AAAA-test-bearer" for _, h in script.requests)
    assert sleeps == []


def test_an_empty_page_that_still_carries_a_next_token_is_followed():
    hollow = {
        "meta": {"result_count": 0, "next_token": "b26v89c19zqg8o3fpe17f4fdtr4ghw6o9cm2jmp8hollow"}
    }
    with loopback() as (base, script):
        script.on(
            PATH,
            Reply(200, body("search_page1.json")),
            Reply(200, json.dumps(hollow).encode()),
            Reply(200, body("search_page3.json")),
        )
        http, _ = test_client()
        pages = list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert len(pages) == 3
    assert query_of(script.requests[2][0])["next_token"] == [hollow["meta"]["next_token"]]


def test_missing_token_is_a_config_error_naming_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(TOKEN_ENV)
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "x", params(base), W, http)
        assert outcome.batch is None
        assert f"set the environment variable {TOKEN_ENV} " in outcome.error
        monkeypatch.setenv("ACME_X_TOKEN", "other-token")
        script.on(PATH, Reply(200, body("search_empty.json")))
        collect_once(tmp_path, "x", params(base, token_env="ACME_X_TOKEN"), W, http)
    assert [h["Authorization"] for _, h in script.requests] == ["Bearer other-token"]


def test_a_secret_pasted_where_the_variable_name_goes_is_refused():
    with pytest.raises(ValueError, match="not an environment variable name"):
        x.Params.model_validate({"query": "velora", "token_env": "AAAAAAAAAAAAAAAAAAAAAA%3Dxyz"})


def test_rejected_token_is_a_configuration_error_and_not_retried(tmp_path):
    with loopback() as (base, script):
        unauthorized = {"title": "Unauthorized", "type": "about:blank", "status": 401}
        script.on(PATH, Reply(401, json.dumps(unauthorized).encode()))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "x", params(base), W, http)
    assert outcome.batch is None and "HTTP 401" in outcome.error
    assert "configuration error" in outcome.error and "AAAA-test-bearer" not in outcome.error
    assert len(script.requests) == 1 and sleeps == []


def test_window_older_than_seven_days_is_an_error_without_a_request(tmp_path):
    old = Window(datetime(2026, 11, 13, tzinfo=UTC), datetime(2026, 11, 14, tzinfo=UTC))
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(tmp_path, "x", params(base), old, http)
    assert outcome.batch is None and script.requests == []
    assert outcome.error.startswith(
        "x recent search only reaches back 7 days (to 2026-11-14T03:26:00Z); "
        "the window 2026-11-13T00:00:00Z..2026-11-14T00:00:00Z is older."
    )
    assert not (tmp_path / "landing" / "_state").exists()  # nothing marked as collected


def test_window_edges_beyond_the_horizon_or_in_the_future_are_trimmed(caplog):
    straddling = Window(datetime(2026, 11, 14, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC))
    unfinished = Window(
        datetime(2026, 11, 21, 3, tzinfo=UTC), datetime(2026, 11, 21, 4, tzinfo=UTC)
    )
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body("search_empty.json")))
        http, _ = test_client()
        p = x.Params.model_validate(params(base))
        list(x.fetch(p, straddling, http))
        list(x.fetch(p, unfinished, http))
    (early, _), (late, _) = script.requests
    assert query_of(early)["start_time"] == ["2026-11-14T03:26:00Z"]
    assert query_of(early)["end_time"] == ["2026-11-15T00:00:00Z"]
    assert query_of(late)["start_time"] == ["2026-11-21T03:00:00Z"]
    assert query_of(late)["end_time"] == ["2026-11-21T03:24:50Z"]  # 10 s before now
    assert "beyond recent search's 7 days" in caplog.text and "not past yet" in caplog.text


def test_rerun_fetches_nothing_and_the_next_incremental_run_starts_at_the_window_end(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body("search_page3.json")))
        http, _ = test_client()
        first = collect_once(tmp_path, "x", params(base), W, http)
        assert first.error is None and len(first.batch.pages) == 1
        again = collect_once(tmp_path, "x", params(base), W, http)
        assert again.already_landed and len(script.requests) == 1
        later = collect_once(tmp_path, "x", params(base), None, http, now=NOW)
    assert later.window == Window(W.end, datetime(2026, 11, 21, 3, tzinfo=UTC))
    [_, (path, _)] = script.requests
    assert query_of(path)["start_time"] == ["2026-11-21T00:00:00Z"]
    assert query_of(path)["end_time"] == ["2026-11-21T03:00:00Z"]


def test_429_waits_as_long_as_retry_after_says():
    too_many = json.dumps({"title": "Too Many Requests", "type": "about:blank", "status": 429})
    with loopback() as (base, script):
        script.on(
            PATH,
            Reply(429, too_many.encode(), {"Retry-After": "7"}),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        pages = list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert len(pages) == 1 and sleeps == [7] and len(script.requests) == 2


def test_spent_x_rate_limit_headers_are_waited_out():
    reset = str(int(time.time()) + 30)
    spent = {
        "x-rate-limit-limit": "450",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": reset,
    }
    with loopback() as (base, script):
        script.on(
            PATH,
            Reply(200, body("search_page1.json"), spent),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert len(sleeps) == 1 and 28 <= sleeps[0] <= 30


def test_429_without_retry_after_waits_for_x_rate_limit_reset():
    reset = str(int(time.time()) + 600)
    with loopback() as (base, script):
        script.on(
            PATH,
            Reply(429, b"{}", {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert len(sleeps) == 1 and 598 <= sleeps[0] <= 600


def test_500_on_page_3_is_retried_and_the_search_completes():
    with loopback() as (base, script):
        script.on(
            PATH,
            Reply(200, body("search_page1.json")),
            Reply(200, body("search_page2.json")),
            Reply(503, b'{"title":"Service Unavailable"}'),
            Reply(200, body("search_page3.json")),
        )
        http, sleeps = test_client()
        pages = list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert len(pages) == 3 and len(script.requests) == 4
    assert script.requests[2][0] == script.requests[3][0]
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.01


def test_timeout_is_reported_and_nothing_is_landed(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body("search_page1.json"), delay=0.4))
        http, _ = test_client(timeout=0.1, retries=1)
        outcome = collect_once(tmp_path, "x", params(base), W, http)
    assert outcome.batch is None and len(script.requests) == 2
    assert (
        "no answer within the timeout" in outcome.error and "gave up after 2 tries" in outcome.error
    )
    assert "AAAA-test-bearer" not in outcome.error


def test_zero_results_is_one_request_and_no_mentions():
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body("search_empty.json")))
        http, _ = test_client()
        pages = list(x.fetch(x.Params.model_validate(params(base)), W, http))
    assert len(pages) == 1 and len(script.requests) == 1
    assert parse_pages("x", pages, NOW) == ([], [])


def test_malformed_posts_are_quarantined_and_the_rest_of_the_page_parses():
    mentions, errors = parse_pages("x", [page("search_page2.json")], NOW)
    assert [m["source_id"] for m in mentions] == ["2123748187960246272"]
    assert errors == ["post has no id", "published_at: unparseable date '20/11/2026 14:11'"]
    bad = Page("u", 200, "application/json", b'{"data": [7], "meta": {}}', NOW)
    not_json = Page("u", 200, "text/html", b"<html>Over capacity</html>", NOW)
    listed = Page("u", 200, "application/json", b"[]", NOW)
    _, errors = parse_pages("x", [bad, not_json, listed], NOW)
    assert errors[0] == "item is a int, not an object"
    assert errors[1].startswith("response is not valid JSON")
    assert errors[2] == "not an X search response: no list of posts under 'data'"
    reddit_body = (FIXTURES.parent / "reddit" / "search_empty.json").read_bytes()
    _, errors = parse_pages("x", [Page("u", 200, "application/json", reddit_body, NOW)], NOW)
    assert errors == ["not an X search response: no list of posts under 'data'"]


def test_post_maps_every_canonical_field():
    items = list(x.items(page("search_page1.json")))
    assert items[0].payload["includes"]["users"][0]["username"] == "velora_fan"
    assert x.to_mention(items[0].payload) == {
        "source_id": "2123849425875894272",
        "url": "https://x.com/velora_fan/status/2123849425875894272",
        "published_at": "2026-11-20T18:42:17.000Z",
        "title": None,
        "text": "Franchement la #VeloraCity & son appli <3 … 2 000 km sans souci 🚲 "
        "https://t.co/AbCdEf1234",
        "author_id": "1456789012345678901",
        "author_name": "velora_fan",
        "author_followers": 1532,
        "lang": "fr",
        "likes": 148,
        "shares": 12 + 3,  # retweets + quotes
        "comments": 5,
        "is_repost": False,
    }
    [mention, *_], _ = parse_pages("x", [page("search_page1.json")], NOW)
    assert mention["published_at"] == datetime(2026, 11, 20, 18, 42, 17, tzinfo=UTC)
    assert mention["reach_estimate"] == 1532 + 148 + 15 + 5 and mention["flags"] == []


def test_retweets_long_posts_unknown_authors_and_language_codes():
    mentions, _ = parse_pages("x", [page("search_page1.json"), page("search_page2.json")], NOW)
    by_id = {m["source_id"]: m for m in mentions}
    retweet = by_id["2123825111495606272"]
    assert retweet["flags"] == ["repost"] and retweet["author_name"] == "cyclo_paris"
    assert retweet["url"] == "https://x.com/cyclo_paris/status/2123825111495606272"
    assert retweet["author_followers"] == 48210
    long_post = by_id["2123801044579254272"]  # author not in includes.users, a quote
    assert long_post["url"] == "https://x.com/i/web/status/2123801044579254272"
    assert long_post["author_name"] is None and long_post["author_followers"] is None
    assert long_post["flags"] == [] and long_post["lang"] == "en"
    assert long_post["text"].endswith("a €150 voucher. Not great, not terrible.")
    assert "Velora City & Trail built between March and July 2026" in long_post["text"]
    assert by_id["2123748187960246272"]["lang"] is None  # qht: hashtags only


def test_vigie_parse_reads_a_saved_search_body():
    results = list(parse_file("x", FIXTURES / "search_page2.json"))
    assert [m["source_id"] for m, _ in results if m] == ["2123748187960246272"]
    assert [e for _, e in results if e] == [
        "item 1: post has no id",
        "item 2: published_at: unparseable date '20/11/2026 14:11'",
    ]
