"""The GDELT DOC 2.0 ArtList connector against a real server on 127.0.0.1.

GDELT allows one request every 5 seconds, and the connector's budget enforces it. The tests
swap in a budget on a fake clock that the client's sleeps advance, so the spacing is checked
(the recorded sleeps) without waiting for it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import Window
from connectors.gdelt import GdeltConnector
from connectors.http import Budget, HttpClient, Page
from pipelines.parse import parse_file
from tests.connector_kit import LOCAL, collect_once, parse_pages
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "gdelt"
PATH = "/api/v2/doc/doc"
START = datetime(2026, 11, 20, 10, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(hours=1))
NOW = datetime(2026, 11, 20, 11, 20, tzinfo=UTC)
gdelt = get_connector("gdelt")


class FakeClock:
    """Monotonic time that only moves when the client sleeps; the sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 2))
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(GdeltConnector, "budget", Budget(requests=1, per_seconds=5, clock=fake))
    return fake


def client(clock: FakeClock, **kwargs) -> HttpClient:
    options = {"retries": 3, "backoff": 0.01, "timeout": 2.0, **kwargs}
    return HttpClient(allow_hosts=LOCAL, sleep=clock.sleep, **options)


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def ok(payload: bytes) -> Reply:
    return Reply(200, payload, {"Content-Type": "application/json; charset=utf-8"})


def full_slice(start: datetime) -> bytes:
    """250 articles: a slice GDELT filled to its maximum, so probably truncated."""
    articles = [
        {
            "url": f"https://news.example.com/velora/{start:%H%M}-{n}",
            "url_mobile": "",
            "title": f"Velora coverage {n}",
            "seendate": f"{start + timedelta(minutes=15 * (n % 2)):%Y%m%dT%H%M%SZ}",
            "socialimage": "",
            "domain": "news.example.com",
            "language": "English",
            "sourcecountry": "United States",
        }
        for n in range(250)
    ]
    return json.dumps({"articles": articles}).encode()


def params(base: str, **extra) -> dict:
    return {"queries": ['"Velora" sourcelang:french'], "base_url": base, **extra}


def query_of(recorded: tuple[str, dict]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(recorded[0]).query).items()}


def span(recorded: tuple[str, dict]) -> tuple[str, str]:
    q = query_of(recorded)
    return q["startdatetime"], q["enddatetime"]


def as_page(name: str) -> Page:
    return Page(f"https://api.gdeltproject.org{PATH}", 200, "application/json", body(name), NOW)


def test_full_slices_are_halved_until_each_fits_and_requests_are_spaced(tmp_path, clock):
    with loopback() as (base, script):
        script.on(
            PATH,
            ok(full_slice(START)),  # 10:00-10:59:59 full -> split
            ok(full_slice(START)),  # 10:00-10:29:59 full -> split
            ok(body("artlist.json")),  # 10:00-10:14:59
            ok(body("artlist-bad-escape.json")),  # 10:15-10:29:59
            ok(body("empty.json")),  # 10:30-10:59:59
        )
        outcome = collect_once(tmp_path, "gdelt", params(base), WINDOW, client(clock))
    assert outcome.error is None and len(outcome.batch.pages) == 3
    assert [span(r) for r in script.requests] == [
        ("20261120100000", "20261120105959"),
        ("20261120100000", "20261120102959"),
        ("20261120100000", "20261120101459"),
        ("20261120101500", "20261120102959"),
        ("20261120103000", "20261120105959"),
    ]
    assert query_of(script.requests[0]) == {
        "query": '"Velora" sourcelang:french',
        "mode": "ArtList",
        "format": "json",
        "maxrecords": "250",
        "startdatetime": "20261120100000",
        "enddatetime": "20261120105959",
        "sort": "DateAsc",
    }
    # Spaces and quotes percent-encoded (%20, not "+"), as GDELT's own examples send them.
    assert script.requests[0][0].startswith(f"{PATH}?query=%22Velora%22%20sourcelang%3Afrench&")
    assert clock.sleeps == [5, 5, 5, 5]  # one request every 5 seconds
    mentions, errors = parse_pages("gdelt", list(outcome.batch.read_pages()), now=NOW)
    assert len(mentions) == 5 and len(errors) == 2


def test_a_full_slice_at_the_15_minute_floor_is_kept_not_split(tmp_path, clock):
    window = Window(START, START + timedelta(minutes=15))
    with loopback() as (base, script):
        script.on(PATH, ok(full_slice(START)))
        outcome = collect_once(tmp_path, "gdelt", params(base), window, client(clock))
    assert len(script.requests) == 1 and len(outcome.batch.pages) == 1


def test_one_request_chain_per_query(tmp_path, clock):
    with loopback() as (base, script):
        script.on(PATH, ok(body("empty.json")))
        p = params(base, queries=["velora", "(velora OR cobalt) sourcecountry:france"])
        outcome = collect_once(tmp_path, "gdelt", p, WINDOW, client(clock))
    assert outcome.error is None
    assert [query_of(r)["query"] for r in script.requests] == [
        "velora",
        "(velora OR cobalt) sourcecountry:france",
    ]


def test_incremental_runs_skip_a_landed_window_and_resume_at_its_end(tmp_path, clock):
    with loopback() as (base, script):
        script.on(PATH, ok(body("artlist.json")), ok(body("empty.json")))
        http = client(clock)
        first = collect_once(tmp_path, "gdelt", params(base), None, http, now=NOW)
        assert first.window == WINDOW and len(script.requests) == 1

        again = collect_once(tmp_path, "gdelt", params(base), WINDOW, http, now=NOW)
        assert again.already_landed and len(script.requests) == 1  # no HTTP at all

        later = NOW + timedelta(hours=2)
        nxt = collect_once(tmp_path, "gdelt", params(base), None, http, now=later)
    assert nxt.window == Window(WINDOW.end, datetime(2026, 11, 20, 13, tzinfo=UTC))
    assert span(script.requests[1]) == ("20261120110000", "20261120125959")


def test_429_waits_for_retry_after(tmp_path, clock):
    with loopback() as (base, script):
        limited = Reply(429, body("rate-limit.txt"), {"Retry-After": "7"})
        script.on(PATH, limited, ok(body("artlist.json")))
        outcome = collect_once(tmp_path, "gdelt", params(base), WINDOW, client(clock))
    assert outcome.error is None and len(script.requests) == 2
    assert clock.sleeps == [7]  # 7 s > 5 s: the budget has nothing left to add


def test_500_on_the_third_request_is_retried_and_the_batch_is_complete(tmp_path, clock):
    with loopback() as (base, script):
        script.on(
            PATH,
            ok(full_slice(START)),
            ok(body("artlist.json")),
            Reply(500, b"Internal Server Error"),
            ok(body("empty.json")),
        )
        outcome = collect_once(tmp_path, "gdelt", params(base), WINDOW, client(clock))
    assert outcome.error is None and len(outcome.batch.pages) == 2
    assert (
        span(script.requests[2])
        == span(script.requests[3])
        == (
            "20261120103000",
            "20261120105959",
        )
    )
    backoff = clock.sleeps[2]
    assert 0.005 <= backoff <= 0.01 and clock.sleeps[3] == round(5 - backoff, 2)


def test_timeout_is_reported_and_nothing_lands(tmp_path, clock):
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body("artlist.json"), delay=0.5))
        slow = client(clock, timeout=0.1, retries=1)
        outcome = collect_once(tmp_path, "gdelt", params(base), None, slow, now=NOW)
        assert outcome.batch is None and len(script.requests) == 2
        assert "no answer within the timeout" in outcome.error
        assert not (tmp_path / "landing" / "_state").exists()

        script.replies[PATH].clear()
        script.on(PATH, ok(body("empty.json")))
        retry = collect_once(tmp_path, "gdelt", params(base), None, client(clock), now=NOW)
    assert retry.window == WINDOW and retry.error is None  # the same window, fetched again


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("query-error.txt", "GDELT rejected the query (configuration error: check the query"),
        ("rate-limit.txt", "GDELT asked to slow down: Please limit requests"),
    ],
)
def test_a_text_answer_with_status_200_fails_the_collection(tmp_path, clock, name, fragment):
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body(name), {"Content-Type": "text/html; charset=utf-8"}))
        outcome = collect_once(tmp_path, "gdelt", params(base), WINDOW, client(clock))
    assert outcome.batch is None and fragment in outcome.error
    assert "Velora" not in outcome.error  # the query string is redacted like any parameter


def test_no_results_is_an_empty_object_or_an_empty_body(tmp_path, clock):
    with loopback() as (base, script):
        script.on(PATH, ok(body("empty.json")))
        outcome = collect_once(tmp_path, "gdelt", params(base), WINDOW, client(clock))
    assert outcome.error is None and len(script.requests) == 1
    assert parse_pages("gdelt", list(outcome.batch.read_pages())) == ([], [])
    blank = Page("u", 200, "application/json", b"", NOW)
    assert list(gdelt.items(blank)) == []


def test_malformed_articles_are_quarantined_while_the_rest_parses():
    mentions, errors = parse_pages("gdelt", [as_page("artlist.json")], now=NOW)
    assert [m["author_name"] for m in mentions] == [
        "lefigaro.fr",
        "reuters.example",
        "heise.de",
        "wort.lu",
    ]
    assert errors == [
        "article has no url (GDELT's only identifier)",
        "article https://www.elpais.example/economia/2026-11-20/velora-retira-baterias.html: "
        "unparseable seendate '2026-11-20 10:45'",
    ]


def test_article_maps_every_canonical_field():
    first = next(gdelt.items(as_page("artlist.json"))).payload
    url = "https://www.lefigaro.fr/conso/velora-rappelle-40-000-batteries-de-velos-electriques-20261120"
    title = "Velora rappelle 40 000 batteries de vélos électriques : ce qu ' il faut savoir"
    assert gdelt.to_mention(first) == {
        "source_id": url,
        "url": url,
        "published_at": datetime(2026, 11, 20, 10, 15, tzinfo=UTC),
        "title": title,
        "text": title,
        "author_id": "lefigaro.fr",
        "author_name": "lefigaro.fr",
        "author_followers": None,
        "lang": "fr",
        "likes": None,
        "shares": None,
        "comments": None,
        "is_repost": False,
    }
    [row, *_] = parse_pages("gdelt", [as_page("artlist.json")], now=NOW)[0]
    assert row["source_id"] == url and row["lang"] == "fr" and row["reach_estimate"] == 0
    assert row["published_at"] == datetime(2026, 11, 20, 10, 15, tzinfo=UTC)


def test_language_names_map_to_iso_codes_and_unknown_ones_to_none():
    mentions, _ = parse_pages("gdelt", [as_page("artlist.json")], now=NOW)
    assert [m["lang"] for m in mentions] == ["fr", "en", "de", None]  # Luxembourgish: unmapped


def test_invalid_backslash_escapes_from_gdelt_are_repaired():
    mentions, errors = parse_pages("gdelt", [as_page("artlist-bad-escape.json")], now=NOW)
    assert errors == []
    assert mentions[0]["text"] == "Velora's recall reaches Ireland — owners told to stop charging"


def test_a_body_that_is_not_json_is_one_quarantined_record():
    [item] = gdelt.items(Page("u", 200, "text/html", b"<html>Bad Gateway</html>", NOW))
    assert item.error.startswith("response is not valid JSON")


def test_no_credentials_are_needed_or_sent(tmp_path, clock):
    # The DOC API is public: nothing to configure, nothing secret on the wire.
    with loopback() as (base, script):
        script.on(PATH, ok(body("empty.json")))
        collect_once(tmp_path, "gdelt", params(base), WINDOW, client(clock))
    headers = {k.lower(): v for k, v in script.requests[0][1].items()}
    assert "authorization" not in headers
    assert headers["user-agent"].startswith("Vigie/")


def test_declared_budget_is_one_request_per_five_seconds():
    assert (GdeltConnector.budget.requests, GdeltConnector.budget.per_seconds) == (1, 5)


def test_vigie_parse_reads_a_saved_response():
    results = list(parse_file("gdelt", FIXTURES / "artlist.json"))
    assert len([m for m, _ in results if m]) == 4
    assert [e.split(":")[0] for _, e in results if e] == ["item 4", "item 5"]


@pytest.mark.parametrize(
    "bad",
    [
        {"queries": []},
        {"queries": [" "]},
        {"queries": ["velora"], "maxrecords": 100},
        {"queries": ["velora"], "base_url": "api.gdeltproject.org"},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        gdelt.Params.model_validate(bad)
