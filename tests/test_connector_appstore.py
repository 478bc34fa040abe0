"""The App Store customer-review connector against a real server on 127.0.0.1."""

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.appstore import AppStoreConnector, PathPagePaginator
from connectors.base import MalformedItem, Window
from connectors.http import Budget, Page
from connectors.paginate import Request
from pipelines.parse import parse_file
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "appstore"
APP = "1482730451"
WINDOW = Window(datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC))
NOW = datetime(2026, 11, 21, 0, 30, tzinfo=UTC)
JSON = {"Content-Type": "text/javascript; charset=utf-8"}  # what Apple sends for /json
appstore = get_connector("appstore")


def feed_path(page: int, app: str = APP, country: str = "fr") -> str:
    return f"/{country}/rss/customerreviews/page={page}/id={app}/sortby=mostrecent/json"


def body(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def ok(name: str, **kwargs) -> Reply:
    return Reply(200, body(name), JSON, **kwargs)


def page(name: str) -> Page:
    return Page(f"file:///{name}.json", 200, "application/json", body(name), NOW)


def params(base: str, **more) -> dict:
    return {"base_url": base, "app_ids": [APP], "countries": ["fr"], **more}


def paths(script) -> list[str]:
    return [path for path, _ in script.requests]


@pytest.fixture(autouse=True)
def fresh_budget(monkeypatch):
    """The budget lives on the class for the whole process: each test starts with a fresh one
    (a recorded sleep does not advance the budget's clock)."""
    monkeypatch.setattr(AppStoreConnector, "budget", Budget(requests=20, per_seconds=60))


def test_reviews_are_paged_to_the_end(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_p1"))
        script.on(feed_path(2), ok("reviews_p2"))
        script.on(feed_path(3), ok("reviews_p3"))
        script.on(feed_path(4), ok("reviews_empty"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 3
    # The feed's `last` link says 3 pages: page 4 is not asked for.
    assert paths(script) == [feed_path(1), feed_path(2), feed_path(3)]
    assert sleeps == []
    mentions, errors = parse_pages("appstore", list(outcome.batch.read_pages()), now=NOW)
    assert len(mentions) == 6 and len(errors) == 2  # the app's own entry is not counted


def test_paging_stops_at_an_empty_page_or_page_10():
    paginator = PathPagePaginator()
    request = Request(url="https://h/fr/rss/customerreviews/page=1/id=1/sortby=mostrecent/json")
    following = paginator.next(request, None, {"feed": {}}, [{}])
    assert following.url == "https://h/fr/rss/customerreviews/page=2/id=1/sortby=mostrecent/json"
    assert paginator.next(following, None, {"feed": {}}, []) is None  # empty page
    tenth = Request(url=request.url.replace("page=1/", "page=10/"))
    assert paginator.next(tenth, None, {"feed": {}}, [{}]) is None  # Apple stops at 10


def test_paging_stops_once_a_whole_page_is_older_than_the_window(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_old"))  # says 10 pages, all older than the window
        script.on(feed_path(2), ok("reviews_p2"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    assert outcome.error is None and paths(script) == [feed_path(1)]


def test_one_chain_per_app_and_storefront(tmp_path):
    with loopback() as (base, script):
        watch = params(base, app_ids=["id1482730451", "987654321"], countries=["FR", "be"])
        for app in ("1482730451", "987654321"):
            for country in ("fr", "be"):
                script.on(feed_path(1, app, country), ok("reviews_single"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "appstore", watch, WINDOW, http)
    assert outcome.error is None
    assert paths(script) == [
        feed_path(1, "1482730451", "fr"),
        feed_path(1, "1482730451", "be"),
        feed_path(1, "987654321", "fr"),
        feed_path(1, "987654321", "be"),
    ]


def test_incremental_reruns(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_single"))
        http, _ = test_client()
        first = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
        again = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
        assert first.batch is not None and again.already_landed
        assert len(script.requests) == 1  # a landed window costs no request
        later = WINDOW.end + timedelta(hours=3, minutes=10)
        following = collect_once(tmp_path, "appstore", params(base), None, http, now=later)
    assert following.window == Window(WINDOW.end, WINDOW.end + timedelta(hours=3))
    assert following.batch is not None and len(script.requests) == 2


def test_429_waits_for_retry_after(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), Reply(429, b"", {"Retry-After": "11"}), ok("reviews_single"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    assert outcome.error is None and sleeps == [11.0] and len(script.requests) == 2


def test_500_on_page_3_is_retried(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_p1"))
        script.on(feed_path(2), ok("reviews_p2"))
        script.on(feed_path(3), Reply(500, b"<html>Internal Server Error</html>"), ok("reviews_p3"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 3
    assert paths(script) == [feed_path(1), feed_path(2), feed_path(3), feed_path(3)]
    assert len(sleeps) == 1


def test_timeout_is_reported_as_an_error(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_p1", delay=1.0))
        http, _ = test_client(timeout=0.2, retries=1)
        outcome = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    assert outcome.batch is None
    assert (
        "no answer within the timeout" in outcome.error and "gave up after 2 tries" in outcome.error
    )


def test_malformed_reviews_are_quarantined_while_the_page_parses():
    mentions, errors = parse_pages("appstore", [page("reviews_p2")], now=NOW)
    assert [m["source_id"] for m in mentions] == ["11875700003"]
    assert errors == [
        "review has no id.label",
        "review 11875800002: unparseable updated date 'un jour'",
    ]
    for text in (b"<html>Bad Gateway</html>", b'{"not": "a feed"}', b"[]"):
        mentions, errors = parse_pages("appstore", [Page("x", 200, "", text, NOW)], now=NOW)
        assert mentions == [] and len(errors) == 1
    entry = json.loads(body("reviews_single"))["feed"]["entry"]
    for change, reason in [
        ({"im:rating": {"label": "9"}}, "review 11876999999: im:rating '9' is not 1 to 5"),
        ({"updated": None}, "review 11876999999 has no updated date"),
    ]:
        with pytest.raises(MalformedItem, match=re.escape(reason)):
            appstore.to_mention({**entry, **change})


def test_the_app_entry_is_skipped_not_quarantined():
    items = list(appstore.items(page("reviews_p1")))
    assert [i.payload["id"]["label"] for i in items] == [
        "11876543210",
        "11876012345",
        "11875900001",
    ]
    assert all(i.error is None for i in items)


def test_single_entry_and_empty_pages():
    [mention], errors = parse_pages("appstore", [page("reviews_single")], now=NOW)
    assert errors == [] and mention["source_id"] == "11876999999"
    assert parse_pages("appstore", [page("reviews_empty")], now=NOW) == ([], [])


def test_empty_feed_over_http(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_empty"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    assert outcome.error is None and len(script.requests) == 1
    assert parse_pages("appstore", list(outcome.batch.read_pages()), now=NOW) == ([], [])


def test_no_credentials_are_needed_or_sent(tmp_path):
    with loopback() as (base, script):
        script.on(feed_path(1), ok("reviews_single"))
        http, _ = test_client()
        collect_once(tmp_path, "appstore", params(base), WINDOW, http)
    [(path, headers)] = script.requests
    assert "?" not in path and "Authorization" not in headers
    assert headers["User-Agent"].startswith("Vigie/")


def test_budget_is_twenty_requests_a_minute():
    # Apple documents no limit for the feed; 20/min is the Search API's documented pace.
    declared = AppStoreConnector.__dict__["budget"]
    assert (declared.requests, declared.per_seconds) == (20, 60)


def test_review_mapping():
    fields = appstore.to_mention(next(appstore.items(page("reviews_p1"))).payload)
    assert fields == {
        "source_id": "11876543210",
        "url": "https://apps.apple.com/fr/app/id1482730451#review-11876543210",
        "published_at": "2026-11-20T15:48:31-08:00",
        "title": "★☆☆☆☆ L'appli plante au démarrage",
        "text": "Depuis la mise à jour 4.2.1, l'app Velora plante dès l'ouverture. Impossible de "
        "déverrouiller mon vélo, alors que la version < 4.2 marchait…",
        "author_id": "1023456789",
        "author_name": "Clem_75",
        "author_followers": None,
        "lang": None,
        "likes": 14,
        "shares": None,
        "comments": None,
    }
    [first, *_], _ = parse_pages("appstore", [page("reviews_p1")], now=NOW)
    assert first["published_at"] == datetime(2026, 11, 20, 23, 48, 31, tzinfo=UTC)
    assert first["reach_estimate"] == 14 and first["flags"] == []


def test_html_content_and_entities_are_decoded():
    mentions, _ = parse_pages("appstore", [page("reviews_p2")], now=NOW)
    [review] = mentions
    assert review["title"] == "★★☆☆☆ Batterie & GPS"
    assert review["text"] == "Le GPS décroche souvent. Et la batterie du téléphone fond & chauffe."


def test_permalink_falls_back_to_the_entry_link():
    entry = json.loads(body("reviews_single"))["feed"]["entry"]  # no `_store`: as stored alone
    assert appstore.to_mention(entry)["url"] == (
        "https://apps.apple.com/fr/app/id1482730451#review-11876999999"
    )
    assert appstore.to_mention({**entry, "link": []})["url"] is None


def test_vigie_parse_reads_a_saved_feed():
    results = list(parse_file("appstore", FIXTURES / "reviews_p1.json"))
    assert [m["title"] for m, _ in results] == [
        "★☆☆☆☆ L'appli plante au démarrage",
        "★★★★★ Top",
        "★★★☆☆ Bien mais",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"app_ids": []},
        {"app_ids": ["velora"]},
        {"app_ids": [APP], "countries": ["france"]},
        {"app_ids": [APP], "base_url": "itunes.apple.com"},
        {"app_ids": [APP], "sort": "mosthelpful"},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        appstore.Params.model_validate(bad)


def test_params_normalize_ids_and_storefronts():
    checked = appstore.Params.model_validate({"app_ids": ["id42"], "countries": ["FR"]})
    assert (checked.app_ids, checked.countries) == (["42"], ["fr"])
    assert urlsplit(checked.base_url).hostname == "itunes.apple.com"
