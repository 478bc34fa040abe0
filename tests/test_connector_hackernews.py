"""The Hacker News (Algolia) connector against a real server on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from connectors import get_connector
from connectors.base import Window
from connectors.http import Page
from pipelines.parse import parse_file
from tests.connector_kit import collect_once, parse_pages, test_client
from tests.loopback import Reply, loopback

FIXTURES = Path(__file__).parent / "fixtures" / "hackernews"
PATH = "/api/v1/search_by_date"
START = datetime(2026, 11, 20, 10, tzinfo=UTC)
WINDOW = Window(START, START + timedelta(hours=1))
NOW = datetime(2026, 11, 20, 11, 20, tzinfo=UTC)
hn = get_connector("hackernews")


def body(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def pages(*names: str) -> list[Reply]:
    return [Reply(200, body(n), {"Content-Type": "application/json; charset=utf-8"}) for n in names]


def params(base: str, **extra) -> dict:
    return {"queries": ["velora"], "hits_per_page": 3, "base_url": base, **extra}


def query_of(recorded: tuple[str, dict]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(recorded[0]).query).items()}


def as_page(name: str) -> Page:
    return Page(f"https://hn.algolia.com{PATH}", 200, "application/json", body(name), NOW)


def test_paginates_to_the_last_page_with_the_window_as_numeric_filters(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, *pages("page-0.json", "page-1.json", "page-2.json"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "hackernews", params(base), WINDOW, http)
    assert outcome.error is None and outcome.batch is not None
    sent = [query_of(r) for r in script.requests]
    assert [q["page"] for q in sent] == ["0", "1", "2"]  # nbPages=3: no fourth request
    assert sent[0] == {
        "query": "velora",
        "tags": "(story,comment)",
        "numericFilters": "created_at_i>=1795168800,created_at_i<1795172400",
        "hitsPerPage": "3",
        "page": "0",
    }
    assert sleeps == []
    mentions, errors = parse_pages("hackernews", list(outcome.batch.read_pages()), now=NOW)
    assert [m["source_id"] for m in mentions] == [
        "46021503",
        "46021480",
        "46021400",
        "46021310",
        "46021290",
    ]
    assert len(errors) == 2


def test_one_request_chain_per_query(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, *pages("empty.json"))
        http, _ = test_client()
        p = params(base, queries=["velora", '"cobalt bikes"'])
        outcome = collect_once(tmp_path, "hackernews", p, WINDOW, http)
    assert outcome.error is None
    assert [query_of(r)["query"] for r in script.requests] == ["velora", '"cobalt bikes"']


def test_incremental_runs_skip_a_landed_window_and_resume_at_its_end(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, *pages("page-0.json", "page-1.json", "page-2.json", "empty.json"))
        http, _ = test_client()
        first = collect_once(tmp_path, "hackernews", params(base), None, http, now=NOW)
        assert first.window == WINDOW and first.batch is not None
        assert len(script.requests) == 3

        again = collect_once(tmp_path, "hackernews", params(base), WINDOW, http, now=NOW)
        assert again.already_landed and len(script.requests) == 3  # no HTTP at all

        later = NOW + timedelta(hours=2)  # 13:20 -> up to the last full hour, 13:00
        nxt = collect_once(tmp_path, "hackernews", params(base), None, http, now=later)
    assert nxt.window == Window(WINDOW.end, datetime(2026, 11, 20, 13, tzinfo=UTC))
    assert query_of(script.requests[3])["numericFilters"] == (
        "created_at_i>=1795172400,created_at_i<1795179600"
    )
    assert query_of(script.requests[3])["page"] == "0"


def test_429_waits_for_retry_after_then_carries_on(tmp_path):
    with loopback() as (base, script):
        limited = Reply(429, b'{"message":"Too many requests"}', {"Retry-After": "7"})
        script.on(PATH, limited, *pages("page-0.json", "page-1.json", "page-2.json"))
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "hackernews", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 3
    assert sleeps == [7]
    assert [query_of(r)["page"] for r in script.requests] == ["0", "0", "1", "2"]


def test_500_on_page_three_is_retried_and_the_batch_is_complete(tmp_path):
    with loopback() as (base, script):
        script.on(
            PATH,
            *pages("page-0.json", "page-1.json"),
            Reply(500, b"Internal Server Error"),
            *pages("page-2.json"),
        )
        http, sleeps = test_client()
        outcome = collect_once(tmp_path, "hackernews", params(base), WINDOW, http)
    assert outcome.error is None and len(outcome.batch.pages) == 3
    assert [query_of(r)["page"] for r in script.requests] == ["0", "1", "2", "2"]
    assert len(sleeps) == 1 and 0.005 <= sleeps[0] <= 0.01  # backoff 0.01 with jitter


def test_timeout_is_reported_and_the_window_is_not_marked_done(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, Reply(200, body("page-0.json"), delay=0.5))
        http, _ = test_client(timeout=0.1, retries=1)
        outcome = collect_once(tmp_path, "hackernews", params(base), None, http, now=NOW)
        assert outcome.batch is None
        assert "no answer within the timeout" in outcome.error
        assert "gave up after 2 tries" in outcome.error
        assert len(script.requests) == 2

        script.replies[PATH].clear()
        script.on(PATH, *pages("empty.json"))
        retry = collect_once(tmp_path, "hackernews", params(base), None, http, now=NOW)
    assert retry.window == WINDOW and retry.error is None  # the same window, fetched again


def test_zero_results_is_one_request_and_no_mentions(tmp_path):
    with loopback() as (base, script):
        script.on(PATH, *pages("empty.json"))
        http, _ = test_client()
        outcome = collect_once(tmp_path, "hackernews", params(base), WINDOW, http)
    assert outcome.error is None and len(script.requests) == 1
    assert parse_pages("hackernews", list(outcome.batch.read_pages())) == ([], [])


def test_slice_over_the_1000_hit_cap_is_split_at_an_exact_second():
    over = json.loads(body("page-0.json"))
    over.update(nbHits=1500, nbPages=334)
    single = json.loads(body("page-2.json"))
    single.update(nbHits=1, nbPages=1, page=0)
    window = Window(START, START + timedelta(minutes=6, seconds=1))  # midpoint 10:03:00.5
    with loopback() as (base, script):
        script.on(
            PATH, Reply(200, json.dumps(over).encode()), Reply(200, json.dumps(single).encode())
        )
        http, _ = test_client()
        p = hn.Params.model_validate(params(base))
        fetched = list(hn.fetch(p, window, http))
    filters = [query_of(r)["numericFilters"] for r in script.requests]
    assert filters == [
        "created_at_i>=1795168800,created_at_i<1795169161",
        "created_at_i>=1795168800,created_at_i<1795168981",  # ceil(10:03:00.5) = 10:03:01
        "created_at_i>=1795168981,created_at_i<1795169161",
    ]
    assert len(fetched) == 2  # the over-cap page is dropped, each half is kept


def test_malformed_hits_are_quarantined_while_the_rest_of_the_page_parses():
    mentions, errors = parse_pages("hackernews", [as_page("page-1.json")], now=NOW)
    assert [m["source_id"] for m in mentions] == ["46021310"]
    assert errors == [
        "hit has no objectID",
        "hit 46021322: unparseable created_at '2026-11-20 ten past ten'",
    ]


def test_comment_maps_every_canonical_field():
    comment = next(hn.items(as_page("page-0.json"))).payload
    assert hn.to_mention(comment) == {
        "source_id": "46021503",
        "url": "https://news.ycombinator.com/item?id=46021503",
        "published_at": 1795171930,
        "title": "Velora recalls 40,000 e-bike batteries",
        "text": (
            "I've had my Velora e-bike for a year. The recall letter arrived & the dealer "
            "swapped the battery in 20 minutes. Details: https://velora.example/recall"
        ),
        "author_id": "mkessler",
        "author_name": "mkessler",
        "author_followers": None,
        "lang": None,
        "likes": None,
        "shares": None,
        "comments": None,
        "is_repost": False,
    }
    mentions, errors = parse_pages("hackernews", [as_page("page-0.json")], now=NOW)
    assert errors == []
    row = mentions[0]
    assert row["published_at"] == datetime(2026, 11, 20, 10, 52, 10, tzinfo=UTC)
    assert row["author_name"] == "mkessler" and row["author_id"] not in (None, "mkessler")
    assert row["reach_estimate"] == 0 and row["flags"] == []


def test_stories_map_points_comments_and_html_story_text():
    [_, ask, link] = [hn.to_mention(i.payload) for i in hn.items(as_page("page-0.json"))]
    assert ask["title"] == "Ask HN: Anyone switched from Velora to Cobalt bikes?"
    assert ask["text"] == (
        "After the recall I'm done waiting. Is Cobalt's service any better? "
        '"Lifetime" warranty <3 years in practice.'
    )
    assert (ask["likes"], ask["comments"], ask["url"]) == (
        12,
        9,
        "https://news.ycombinator.com/item?id=46021480",
    )
    # A link story has no text of its own: its title is the text; the permalink is HN's page.
    assert link["text"] == link["title"] == "Velora recalls 40,000 e-bike batteries"
    assert link["url"] == "https://news.ycombinator.com/item?id=46021400"
    assert (link["likes"], link["comments"]) == (214, 87)


def test_entities_in_comment_text_are_decoded():
    mentions, _ = parse_pages("hackernews", [as_page("page-1.json")], now=NOW)
    assert mentions[0]["text"] == "Le rappel Velora est plutôt bien géré, franchement."


def test_no_credentials_are_needed_or_sent(tmp_path):
    # The HN Search API is public: nothing to configure, nothing secret on the wire.
    with loopback() as (base, script):
        script.on(PATH, *pages("empty.json"))
        http, _ = test_client()
        collect_once(tmp_path, "hackernews", params(base), WINDOW, http)
    headers = {k.lower(): v for k, v in script.requests[0][1].items()}
    assert "authorization" not in headers
    assert headers["user-agent"].startswith("Vigie/")


def test_vigie_parse_reads_a_saved_response():
    results = list(parse_file("hackernews", FIXTURES / "page-1.json"))
    assert [m["source_id"] for m, _ in results if m] == ["46021310"]
    assert [e for _, e in results if e] == [
        "item 1: hit has no objectID",
        "item 2: hit 46021322: unparseable created_at '2026-11-20 ten past ten'",
    ]


@pytest.mark.parametrize(
    "bad",
    [
        {"queries": []},
        {"queries": ["  "]},
        {"queries": ["velora"], "hits_per_page": 1001},
        {"queries": ["velora"], "token_env": "X"},
        {"queries": ["velora"], "base_url": "ftp://hn.example"},
    ],
)
def test_params_are_checked(bad):
    with pytest.raises(ValidationError):
        hn.Params.model_validate(bad)


def test_small_pages_are_followed_to_algolias_limit_not_cut_at_50():
    template = json.loads(body("page-2.json"))
    replies = []
    for number in range(60):
        template.update(hitsPerPage=1, nbHits=60, nbPages=60, page=number)
        replies.append(Reply(200, json.dumps(template).encode()))
    with loopback() as (base, script):
        script.on(PATH, *replies)
        http, _ = test_client()
        p = hn.Params.model_validate(params(base, hits_per_page=1))
        fetched = list(hn.fetch(p, WINDOW, http))
    assert len(fetched) == 60
    assert query_of(script.requests[-1])["page"] == "59"
