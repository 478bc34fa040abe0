"""The shared HTTP core against a real server on 127.0.0.1: error table, retries, rate
limits, budgets, URL safety, paginators and time slicing."""

import json
import re
from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest

from connectors.base import HttpStream, Window
from connectors.http import (
    Action,
    Budget,
    HttpClient,
    RequestError,
    UnsafeURLError,
    check_url,
    redact,
    rule_for,
)
from connectors.paginate import (
    CursorPaginator,
    LinkHeaderPaginator,
    MaxIdPaginator,
    PageNumberPaginator,
    PageTokenPaginator,
    Request,
)
from tests.loopback import Reply, loopback

LOCAL = frozenset({"127.0.0.1"})


class Sleeps(list):
    """Records the waits instead of sleeping them, so tests stay fast and can check them."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 2))


def client(**kwargs) -> tuple[HttpClient, Sleeps]:
    sleeps = Sleeps()
    return HttpClient(allow_hosts=LOCAL, sleep=sleeps, **kwargs), sleeps


def test_error_table():
    assert rule_for(401).action is Action.CONFIG
    assert rule_for(403).action is Action.CONFIG
    assert rule_for(404).action is Action.FAIL
    assert rule_for(429).action is Action.RATE_LIMITED
    assert rule_for(503).action is Action.RETRY
    assert rule_for(599).action is Action.RETRY
    assert rule_for(418).action is Action.FAIL
    assert rule_for("timeout").action is Action.RETRY


def test_retries_500_then_429_with_retry_after_then_succeeds():
    with loopback() as (base, script):
        script.on("/f", Reply(500), Reply(429, headers={"Retry-After": "7"}), Reply(200, b"ok"))
        http, sleeps = client(retries=3, backoff=1.0)
        page = http.get(f"{base}/f")
    assert page.body == b"ok" and len(script.requests) == 3
    assert 0.5 <= sleeps[0] <= 1.0  # backoff with jitter after the 500
    assert sleeps[1] == 7  # Retry-After honoured after the 429
    assert script.requests[0][1]["User-Agent"].startswith("Vigie/")


def test_gives_up_after_retries_with_a_message_naming_status_reason_and_url():
    with loopback() as (base, script):
        script.on("/f", Reply(503))
        http, _ = client(retries=1, backoff=0.01)
        with pytest.raises(RequestError) as info:
            http.get(f"{base}/f", params={"api_key": "SECRET123"})
    message = str(info.value)
    assert "HTTP 503 Service Unavailable" in message and "gave up after 2 tries" in message
    assert f"{base}/f?api_key=…" in message and "SECRET123" not in message
    assert info.value.action is Action.RETRY


@pytest.mark.parametrize(("status", "action"), [(401, Action.CONFIG), (404, Action.FAIL)])
def test_client_errors_are_not_retried(status, action):
    with loopback() as (base, script):
        script.on("/f", Reply(status))
        http, sleeps = client(retries=3)
        with pytest.raises(RequestError) as info:
            http.get(f"{base}/f")
    assert info.value.action is action and info.value.status == status
    assert len(script.requests) == 1 and sleeps == []


def test_timeout_is_retried_then_reported():
    with loopback() as (base, script):
        script.on("/slow", Reply(200, b"late", delay=0.5))
        http, _ = client(timeout=0.1, retries=1, backoff=0.01)
        with pytest.raises(RequestError, match="no answer within the timeout"):
            http.get(f"{base}/slow")
    assert len(script.requests) == 2


def test_exhausted_rate_limit_waits_for_the_reset_before_the_next_request():
    with loopback() as (base, script):
        script.on(
            "/f",
            Reply(200, b"1", headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "12"}),
        )
        http, sleeps = client()
        http.get(f"{base}/f")
        assert sleeps == []
        http.get(f"{base}/f")
    assert len(sleeps) == 1 and 11 <= sleeps[0] <= 12


def test_budget_spaces_requests_inside_the_window():
    now = [0.0]
    budget = Budget(requests=2, per_seconds=10, clock=lambda: now[0])
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    for _ in range(5):
        budget.take(sleep)
    assert waits == [10, 10]


def test_loopback_is_refused_without_allow_list():
    with loopback() as (base, script):
        script.on("/f", Reply(200, b"x"))
        with pytest.raises(UnsafeURLError, match=re.escape("non-public address 127.0.0.1")):
            HttpClient().get(f"{base}/f")
    assert script.requests == []


def test_redirect_to_private_address_is_refused():
    with loopback() as (base, script):
        script.on("/f", Reply(302, headers={"Location": "http://169.254.169.254/latest"}))
        http, _ = client()
        with pytest.raises(UnsafeURLError, match=re.escape("169.254.169.254")):
            http.get(f"{base}/f")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://x.example/", "ftp://x.example/"])
def test_only_http_schemes(url):
    with pytest.raises(UnsafeURLError, match="only http and https"):
        check_url(url)


def test_redact_hides_query_values_and_credentials():
    assert redact("https://u:p@api.example/x?key=abc&q=velora") == "https://api.example/x?key=…&q=…"


# ---- paginators -----------------------------------------------------------------------------


def _page(headers=None):
    from connectors.http import Page

    return Page(
        "https://api.example/x", 200, "application/json", b"{}", datetime.now(UTC), headers or {}
    )


def test_cursor_paginator_stops_on_missing_or_repeated_cursor():
    p = CursorPaginator(cursor_path="data.after", param="after")
    first = Request("https://api.example/x", {"q": "v"})
    second = p.next(first, _page(), {"data": {"after": "t3_b"}}, [1])
    assert second.params == {"q": "v", "after": "t3_b"}
    assert p.next(second, _page(), {"data": {"after": "t3_b"}}, [1]) is None
    assert p.next(second, _page(), {"data": {"after": None}}, [1]) is None


def test_page_token_paginator():
    p = PageTokenPaginator()
    nxt = p.next(Request("u"), _page(), {"nextPageToken": "CAUQAA"}, [1])
    assert nxt.params == {"pageToken": "CAUQAA"}
    assert p.next(nxt, _page(), {}, [1]) is None


def test_page_number_paginator_stops_on_short_page_or_total():
    p = PageNumberPaginator(param="page", page_size=2)
    assert p.next(Request("u", {"page": 1}), _page(), {}, [1, 2]).params == {"page": 2}
    assert p.next(Request("u", {"page": 2}), _page(), {}, [1]) is None
    q = PageNumberPaginator(param="page", start=0, total_pages_path="nbPages")
    assert q.next(Request("u", {"page": 0}), _page(), {"nbPages": 2}, [1]).params == {"page": 1}
    assert q.next(Request("u", {"page": 1}), _page(), {"nbPages": 2}, [1]) is None


def test_max_id_paginator_asks_for_older_than_the_oldest_seen():
    p = MaxIdPaginator()
    nxt = p.next(Request("u"), _page(), None, [{"id": "109"}, {"id": "99"}, {"id": "105"}])
    assert nxt.params == {"max_id": "99"}
    assert p.next(nxt, _page(), None, []) is None


def test_link_header_paginator():
    p = LinkHeaderPaginator()
    link = (
        '<https://m.example/api?max_id=7>; rel="next", <https://m.example/api?min_id=9>; rel="prev"'
    )
    nxt = p.next(Request("u", {"a": 1}), _page({"Link": link}), None, [1])
    assert nxt.url == "https://m.example/api?max_id=7" and nxt.params == {}
    assert p.next(nxt, _page({}), None, [1]) is None


# ---- HttpStream: the loop, time slicing, malformed pages --------------------------------------


class CappedSearch(HttpStream):
    """A search API capping each query at 4 hits, paginated by page number."""

    name = "capped"
    base: ClassVar[str] = ""
    records_path = "hits"
    paginator = PageNumberPaginator(param="page", start=0, total_pages_path="nbPages")
    result_cap = 4
    total_path = "nbHits"
    min_slice = timedelta(hours=1)

    def request(self, params, query, window):
        return Request(
            f"{self.base}/search", {"from": window.start.isoformat(), "to": window.end.isoformat()}
        )


def _search_body(n_hits, page, pages):
    return json.dumps(
        {
            "hits": [{"id": f"{page}-{i}"} for i in range(2)],
            "nbHits": n_hits,
            "nbPages": pages,
            "page": page,
        }
    ).encode()


def test_stream_paginates_and_splits_slices_over_the_cap():
    start = datetime(2026, 11, 20, tzinfo=UTC)
    with loopback() as (base, script):
        # The whole day is over the cap; each half fits in two pages.
        script.on(
            "/search",
            Reply(200, _search_body(8, 0, 4)),
            Reply(200, _search_body(4, 0, 2)),
            Reply(200, _search_body(4, 1, 2)),
            Reply(200, _search_body(4, 0, 2)),
            Reply(200, _search_body(4, 1, 2)),
        )
        stream = CappedSearch()
        CappedSearch.base = base
        http, _ = client()
        pages = list(stream.fetch(None, Window(start, start + timedelta(days=1)), http))
    assert len(pages) == 4
    windows = [r[0].split("?")[1] for r in script.requests]
    assert "from=2026-11-20T00%3A00%3A00%2B00%3A00&to=2026-11-21" in windows[0]
    assert "to=2026-11-20T12%3A00%3A00%2B00%3A00" in windows[1]
    assert "from=2026-11-20T12%3A00%3A00%2B00%3A00" in windows[3]
    items = [item for page in pages for item in stream.items(page)]
    assert len(items) == 8 and all(i.error is None for i in items)


def test_stream_items_quarantine_bad_json_and_non_objects():
    from connectors.http import Page

    stream = CappedSearch()
    bad = Page("u", 200, "application/json", b"{oops", datetime.now(UTC))
    [item] = stream.items(bad)
    assert item.error.startswith("response is not valid JSON")
    mixed = Page("u", 200, "application/json", b'{"hits": [{"id": 1}, 7, "x"]}', datetime.now(UTC))
    errors = [i.error for i in stream.items(mixed)]
    assert errors == [None, "item is a int, not an object", "item is a str, not an object"]


def test_credentials_do_not_follow_a_redirect_to_another_host():
    with loopback() as (base, script), loopback() as (other, other_script):
        other_host = other.replace("127.0.0.1", "localhost")
        script.on("/f", Reply(302, headers={"Location": f"{other_host}/g"}))
        other_script.on("/g", Reply(200, b"ok"))
        http, _ = client()
        http.allow_hosts = frozenset({"127.0.0.1", "localhost"})
        http.get(f"{base}/f", headers={"Authorization": "Bearer SECRET"})
    assert script.requests[0][1]["Authorization"] == "Bearer SECRET"
    assert "Authorization" not in other_script.requests[0][1]


def test_iso_8601_rate_limit_reset_is_honoured():
    from datetime import UTC, datetime, timedelta

    reset = (datetime.now(UTC) + timedelta(seconds=90)).isoformat()
    with loopback() as (base, script):
        script.on("/f", Reply(429, headers={"X-RateLimit-Reset": reset}), Reply(200, b"ok"))
        http, sleeps = client()
        http.get(f"{base}/f")
    assert len(sleeps) == 1 and 85 <= sleeps[0] <= 90


def test_error_message_carries_the_apis_reason():
    body = b'{"error": {"errors": [{"reason": "commentsDisabled"}], "code": 403}}'
    with loopback() as (base, script):
        script.on("/f", Reply(403, body))
        http, _ = client()
        with pytest.raises(RequestError, match="commentsDisabled"):
            http.get(f"{base}/f")
