"""The Mastodon connector against a real server on 127.0.0.1, with fixtures in the shape of
docs.joinmastodon.org's Status, Account and Search entities."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import MalformedItem, Window
from connectors.http import Budget, Page
from connectors.mastodon import MastodonConnector
from pipelines.parse import parse_file
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "mastodon"
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
WINDOW = Window(datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 20, 10, tzinfo=UTC))
TAG = "/api/v1/timelines/tag/velora"
SEARCH = "/api/v2/search"
LOOKUP = "/api/v1/accounts/lookup"
STATUSES = "/api/v1/accounts/109876543210987654/statuses"
JSON_TYPE = {"Content-Type": "application/json; charset=utf-8"}
mastodon = get_connector("mastodon")


def ok(name: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply(200, (FIXTURES / name).read_bytes(), {**JSON_TYPE, **(headers or {})})


def queries(script) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(path).query) for path, _ in script.requests]


def parsed(outcome):
    assert outcome.error is None, outcome.error
    return parse_pages("mastodon", list(outcome.batch.read_pages()), now=NOW)


@pytest.fixture(autouse=True)
def isolated(monkeypatch):
    """A fresh request budget per test, and no token unless a test sets one."""
    monkeypatch.setattr(MastodonConnector, "budget", Budget(requests=300, per_seconds=900))
    monkeypatch.delenv("VIGIE_MASTODON_TOKEN", raising=False)


def test_tag_timeline_pages_by_max_id_to_the_end(tmp_path):
    with loopback() as (base, script):
        script.on(
            TAG, ok("tag_page1.json"), ok("tag_page2.json"), ok("tag_page3.json"), ok("empty.json")
        )
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "hashtags": ["#velora"]}, WINDOW, http
        )
    assert [q.get("max_id") for q in queries(script)] == [
        None,
        ["113520000000000100"],  # the oldest id of page 1
        ["113520000000000070"],  # page 2's oldest; the status without an id is skipped
        ["113519990000000000"],
    ]
    assert all(q["limit"] == ["40"] for q in queries(script))
    assert all("Authorization" not in headers for _, headers in script.requests)
    mentions, errors = parsed(outcome)
    assert len(outcome.batch.pages) == 4
    assert [m["source_id"] for m in mentions] == [
        "113520000000000300",
        "113520000000000200",
        "113520000000000100",
        "113520000000000090",
        "113520000000000040",
        "113519990000000000",  # landed with its page, as the API sent it
    ]
    assert errors == ["status has no id", "published_at: unparseable date 'yesterday'"]


def test_paging_stops_once_a_whole_page_is_older_than_the_window(tmp_path):
    with loopback() as (base, script):
        script.on(TAG, ok("tag_page1.json"), ok("tag_page2.json"), ok("tag_older.json"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "hashtags": ["velora"]}, WINDOW, http
        )
    assert len(script.requests) == 3 and len(outcome.batch.pages) == 3


def test_a_status_maps_to_every_canonical_field():
    page = Page(
        "https://mastodon.social" + TAG,
        200,
        "application/json",
        (FIXTURES / "tag_page1.json").read_bytes(),
        NOW,
    )
    items = list(mastodon.items(page))
    assert mastodon.to_mention(items[1].payload) == {
        "source_id": "113520000000000200",
        "url": "https://mastodon.social/@camille/113520000000000200",
        "published_at": "2026-11-20T09:41:05.123Z",
        "title": "Velora & la batterie",
        "text": 'Ma batterie #Velora chauffe "beaucoup" & le SAV ne répond pas. '
        "Quelqu'un d'autre ? Merci @velora",
        "author_id": "camille@mastodon.social",
        "author_name": "Camille 🚲",
        "author_followers": 340,
        "lang": "fr",
        "likes": 4,
        "shares": 7,
        "comments": 9,
        "is_repost": False,
        "reply_to": None,
    }
    # A reply names the status it answers by its id on the same instance.
    assert mastodon.to_mention(items[2].payload)["reply_to"] == "113520000000000050"
    [first, _, reply], errors = parse_pages("mastodon", [page], now=NOW)
    assert errors == []
    assert first["author_name"] == "Sam Rides" and first["author_followers"] == 1200
    assert first["text"] == (
        "Three weeks with the #velora C2 & I'm sold. Review: https://blog.example/velora-c2-review"
    )
    assert first["published_at"] == datetime(2026, 11, 20, 9, 55, 12, tzinfo=UTC)
    # A hidden follower count (-1 on some servers) is unknown, not a reason to drop the post.
    assert reply["author_followers"] is None
    assert reply["author_name"] == "jdupont@piaille.fr"  # no display name: the handle
    assert reply["comments"] == 0 and reply["likes"] == 1


def test_a_picture_only_status_is_read_through_its_alt_text():
    page = Page(
        "https://x" + TAG, 200, "application/json", (FIXTURES / "tag_page2.json").read_bytes(), NOW
    )
    fields = mastodon.to_mention(next(mastodon.items(page)).payload)
    assert fields["text"] == "A red Velora C2 parked by the canal"


def test_account_statuses_look_the_account_up_and_flag_boosts(tmp_path):
    with loopback() as (base, script):
        script.on(LOOKUP, ok("account_lookup.json"))
        script.on(STATUSES, ok("account_statuses.json"), ok("empty.json"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path,
            "mastodon",
            {"base_url": base, "accounts": ["@velora@mastodon.social"]},
            WINDOW,
            http,
        )
    assert [path for path, _ in script.requests] == [
        f"{LOOKUP}?acct=velora%40mastodon.social",
        f"{STATUSES}?limit=40",
        f"{STATUSES}?limit=40&max_id=113519000000000000",
    ]
    assert len(outcome.batch.pages) == 2  # the lookup is a means, not data: not landed
    [own, boost, _older], errors = parsed(outcome)
    assert errors == [] and own["flags"] == [] and boost["flags"] == ["repost"]
    page = next(outcome.batch.read_pages())
    boost_item = list(mastodon.items(page))[1].payload
    assert mastodon.to_mention(boost_item) == {
        "source_id": "113520000000000250",  # the boost's own id: one row per boost
        "url": "https://piaille.fr/@atelier/113510000000000999",  # the boosted post's page
        "published_at": "2026-11-20T09:45:30.000Z",  # when it was boosted
        "title": None,
        "text": "Notre test du Velora C2 : solide, autonomie honnête & freins au top.",
        "author_id": "velora@mastodon.social",  # who spread it, and to how many followers
        "author_name": "Velora Bikes",
        "author_followers": 5120,
        "lang": "fr",
        "likes": 0,  # the boost's own engagement, not the original's 90 favourites again
        "shares": 0,
        "comments": 0,
        "is_repost": True,
        "reply_to": None,  # a boost answers nothing
    }


def test_an_unknown_account_fails_with_the_status_and_url(tmp_path):
    with loopback() as (base, script):
        script.on(LOOKUP, Reply(404, b'{"error":"Record not found"}', JSON_TYPE))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "accounts": ["nobody"]}, WINDOW, http
        )
    assert outcome.batch is None
    assert "HTTP 404" in outcome.error and "/api/v1/accounts/lookup" in outcome.error


def test_search_sends_the_token_and_pages_by_offset(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGIE_MASTODON_TOKEN", "tok-123")
    with loopback() as (base, script):
        script.on(SEARCH, ok("search_page1.json"), ok("search_page2.json"), ok("search_empty.json"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "search": ["velora"]}, WINDOW, http
        )
    assert [q.get("offset") for q in queries(script)] == [None, ["40"], ["80"]]
    assert all(q["q"] == ["velora"] and q["type"] == ["statuses"] for q in queries(script))
    assert {headers["Authorization"] for _, headers in script.requests} == {"Bearer tok-123"}
    mentions, errors = parsed(outcome)
    assert [m["source_id"] for m in mentions] == [
        "113520000000000310",
        "113520000000000150",
        "113520000000000020",
    ]
    assert mentions[1]["text"] == "Velora ou Cyclo ? J'hésite encore." and errors == []


def test_search_without_a_token_is_a_config_error_naming_the_variable(tmp_path):
    with loopback() as (base, script):
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "search": ["velora"]}, WINDOW, http
        )
    # The source fails on its own with the reason; the other sources of the run carry on.
    assert outcome.batch is None and "VIGIE_MASTODON_TOKEN" in outcome.error
    assert script.requests == []


def test_a_named_token_variable_is_used_for_timelines_too(tmp_path, monkeypatch):
    monkeypatch.setenv("MY_MASTO_TOKEN", "other-token")
    with loopback() as (base, script):
        script.on(TAG, ok("empty.json"))
        http, _ = test_client()
        collect_once(
            tmp_path,
            "mastodon",
            {"base_url": base, "hashtags": ["velora"], "token_env": "MY_MASTO_TOKEN"},
            WINDOW,
            http,
        )
    assert script.requests[0][1]["Authorization"] == "Bearer other-token"


def test_a_rejected_token_is_a_configuration_error(tmp_path, monkeypatch):
    monkeypatch.setenv("VIGIE_MASTODON_TOKEN", "tok-revoked-9f8e")
    with loopback() as (base, script):
        script.on(SEARCH, Reply(401, b'{"error":"The access token is invalid"}', JSON_TYPE))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "search": ["velora"]}, WINDOW, http
        )
    assert outcome.batch is None and "HTTP 401" in outcome.error
    assert "configuration error" in outcome.error and "tok-revoked" not in outcome.error


def test_429_waits_for_retry_after_then_carries_on(tmp_path):
    reset = (NOW + timedelta(minutes=3)).isoformat()
    limited = Reply(
        429,
        b'{"error":"Too many requests"}',
        {
            **JSON_TYPE,
            "Retry-After": "7",
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": reset,
        },
    )
    with loopback() as (base, script):
        script.on(TAG, ok("tag_page1.json"), limited, ok("tag_page2.json"), ok("tag_older.json"))
        http, sleeps = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "hashtags": ["velora"]}, WINDOW, http
        )
    assert sleeps == [7]
    assert len(script.requests) == 4 and len(outcome.batch.pages) == 3
    assert queries(script)[1] == queries(script)[2]  # the same page asked again


def test_429_without_retry_after_waits_until_mastodons_iso_reset(tmp_path):
    reset = (datetime.now(UTC) + timedelta(seconds=120)).isoformat(timespec="microseconds")
    limited = Reply(
        429,
        b'{"error":"Too many requests"}',
        {**JSON_TYPE, "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
    )
    with loopback() as (base, script):
        script.on(TAG, limited, ok("empty.json"))
        http, sleeps = test_client()
        collect_once(tmp_path, "mastodon", {"base_url": base, "hashtags": ["velora"]}, WINDOW, http)
    assert sleeps and sleeps[0] >= 100


def test_a_500_on_page_3_is_retried_and_the_batch_completes(tmp_path):
    with loopback() as (base, script):
        script.on(
            TAG,
            ok("tag_page1.json"),
            ok("tag_page2.json"),
            Reply(500, b"oops"),
            ok("tag_page3.json"),
            ok("empty.json"),
        )
        http, sleeps = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "hashtags": ["velora"]}, WINDOW, http
        )
    assert len(script.requests) == 5 and len(sleeps) == 1 and 0 < sleeps[0] <= 0.01
    assert len(outcome.batch.pages) == 4
    assert len(parsed(outcome)[0]) == 6


def test_a_timeout_is_reported_and_nothing_is_landed(tmp_path):
    with loopback() as (base, script):
        script.on(TAG, Reply(200, (FIXTURES / "empty.json").read_bytes(), JSON_TYPE, delay=0.6))
        http, _ = test_client(timeout=0.15, retries=1)
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "hashtags": ["velora"]}, WINDOW, http
        )
    assert outcome.batch is None
    assert (
        "no answer within the timeout" in outcome.error and "gave up after 2 tries" in outcome.error
    )
    assert not list((tmp_path / "landing").glob("source=mastodon/*/batch=*"))


def test_an_empty_timeline_lands_one_page_and_zero_mentions(tmp_path):
    with loopback() as (base, script):
        script.on(TAG, ok("empty.json"))
        http, _ = test_client()
        outcome = collect_once(
            tmp_path, "mastodon", {"base_url": base, "hashtags": ["velora"]}, WINDOW, http
        )
    assert len(script.requests) == 1
    assert parsed(outcome) == ([], [])


def test_incremental_runs_resume_at_the_previous_window_end(tmp_path):
    params = {"hashtags": ["velora"]}
    with loopback() as (base, script):
        params["base_url"] = base
        script.on(
            TAG,
            ok("tag_page1.json"),
            ok("tag_page2.json"),
            ok("tag_older.json"),
            ok("tag_page1.json"),
        )
        http, _ = test_client()
        first = collect_once(tmp_path, "mastodon", params, None, http, now=NOW)
        assert first.window == WINDOW and len(script.requests) == 3

        again = collect_once(tmp_path, "mastodon", params, WINDOW, http)
        assert again.already_landed and len(script.requests) == 3  # no HTTP at all

        later = NOW + timedelta(hours=1)
        second = collect_once(tmp_path, "mastodon", params, None, http, now=later)
        assert second.window.start == first.window.end
        assert second.window.end == datetime(2026, 11, 20, 11, tzinfo=UTC)
        # Everything on the newest page is older than 10:00: one request is enough.
        assert len(script.requests) == 4

        idle = collect_once(tmp_path, "mastodon", params, None, http, now=later)
        assert idle.batch is None and idle.note == "up to date" and len(script.requests) == 4


def test_vigie_parse_reads_saved_bodies_of_both_shapes():
    for name, expected in [("search_page1.json", 2), ("account_statuses.json", 3)]:
        results = list(parse_file("mastodon", FIXTURES / name))
        assert [error for _, error in results] == [None] * expected
        assert all(mention["source"] == "mastodon" for mention, _ in results)


def test_a_body_that_is_not_json_is_one_quarantined_record():
    page = Page("https://x" + TAG, 200, "text/html", b"<html>Bad gateway</html>", NOW)
    [item] = mastodon.items(page)
    assert item.error.startswith("response is not valid JSON")
    assert json.dumps(item.payload)  # the snippet is kept for the quarantine table


def test_params_are_checked():
    parsed_params = mastodon.Params.model_validate(
        {"base_url": "https://piaille.fr/", "hashtags": ["#Velora"]}
    )
    assert parsed_params.base_url == "https://piaille.fr" and parsed_params.hashtags == ["Velora"]
    with pytest.raises(ValidationError, match="at least one of"):
        mastodon.Params.model_validate({})
    with pytest.raises(ValidationError):
        mastodon.Params.model_validate({"hashtags": ["velora"], "token": "inline-secret"})
    with pytest.raises(ValidationError):
        mastodon.Params.model_validate({"hashtags": ["velora"], "token_env": "not a name"})


def test_audience_looks_up_the_brand_account_and_the_watchlist_accounts(monkeypatch):
    lookup = json.loads((FIXTURES / "account_lookup.json").read_bytes())
    rival = {
        **lookup,
        "id": "1",
        "acct": "cowboy@piaille.fr",
        "display_name": "Cowboy",
        "url": "https://piaille.fr/@cowboy",
        "followers_count": 812,
    }
    with loopback() as (base, script):
        script.on(LOOKUP, ok("account_lookup.json"), Reply(200, json.dumps(rival).encode()))
        http, _ = test_client()
        watch = mastodon.Params.model_validate(
            {
                "base_url": base,
                "hashtags": ["velora"],
                "account": "@velora",
                "accounts": ["someone.else@piaille.fr"],  # statuses only: not counted
            }
        )
        extra = ["@cowboy@piaille.fr", "velora", "cowboy@piaille.fr"]
        pages = list(mastodon.fetch_audience(watch, extra, http))
    assert [path for path, _ in script.requests] == [
        f"{LOOKUP}?acct=velora",
        f"{LOOKUP}?acct=cowboy%40piaille.fr",  # each account asked once
    ]
    assert all("Authorization" not in headers for _, headers in script.requests)
    counts = [c for p in pages for c in mastodon.audience_counts(p)]
    assert counts == [
        {
            "account_id": "velora@mastodon.social",
            "account_name": "Velora Bikes",
            "followers": 5120,
            "observed_at": pages[0].fetched_at,
        },
        {
            "account_id": "cowboy@piaille.fr",
            "account_name": "Cowboy",
            "followers": 812,
            "observed_at": pages[1].fetched_at,
        },
    ]
    # account_id is the same value to_mention gives as author_id for that account.
    page = Page(
        "https://x" + STATUSES, 200, "", (FIXTURES / "account_statuses.json").read_bytes(), NOW
    )
    own = mastodon.to_mention(next(mastodon.items(page)).payload)
    assert own["author_id"] == counts[0]["account_id"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            b'{"id": "1", "acct": "x", "url": "https://a.example/@x", "followers_count": -1}',
            "account x@a.example hides its follower count",
        ),
        (b'{"id": "1", "acct": "x@a.example"}', "follower count None is not a count"),
        (b'{"error": "Record not found"}', "not a Mastodon Account"),
        (b"<html>", "response is not valid JSON"),
    ],
)
def test_malformed_audience_answers_raise(body, reason):
    with pytest.raises(MalformedItem, match=reason):
        list(mastodon.audience_counts(Page("x", 200, "", body, NOW)))
