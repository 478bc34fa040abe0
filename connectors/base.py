"""What a connector is: fetch pages for a window, split a page into raw items, map an item.

The three steps are separate on purpose. `fetch` runs in collection and only lands bodies;
`items` and `to_mention` run in processing (and in `vigie parse`), so a parser fix can be
replayed over already-landed data without calling the API again.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html.parser import HTMLParser
from typing import Any, ClassVar, TypedDict
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

from connectors.http import Budget, HttpClient, Page
from connectors.paginate import Paginator, Request, SinglePage, dig
from pipelines.errors import ConfigError


class MalformedItem(Exception):
    """An item we cannot turn into a mention; it goes to quarantine with this reason."""


@dataclass(frozen=True)
class Window:
    """A half-open UTC interval [start, end)."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("window bounds must be timezone-aware")
        if self.end <= self.start:
            raise ValueError("window end must be after its start")


@dataclass(frozen=True)
class RawItem:
    """One record as the source gave it; `error` is set when even splitting it out failed."""

    payload: Any
    error: str | None = None


class AudienceCount(TypedDict):
    """One follower count: `account_id` is the platform's raw id, the same value that
    `to_mention` gives as `author_id`, so the brand's own account can be recognised."""

    account_id: str
    account_name: str | None
    followers: int
    observed_at: datetime | None


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Connector:
    """Base class: subclasses declare `name` and `Params`, and implement the three steps."""

    name: ClassVar[str]
    Params: ClassVar[type[BaseModel]] = NoParams

    def fetch(self, params: BaseModel, window: Window, http: HttpClient) -> Iterator[Page]:
        raise NotImplementedError(f"source {self.name!r} is not fetched over HTTP")

    def items(self, page: Page) -> Iterator[RawItem]:
        raise NotImplementedError

    def to_mention(self, payload: Any) -> dict[str, Any]:
        """Map one raw item to canonical mention fields (see pipelines.normalize), plus
        `reply_to`: the source_id of the item it answers (None for a top-level post)."""
        raise NotImplementedError

    def fetch_audience(
        self, params: BaseModel, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        """The profile/count pages for the account in `params` and each extra account
        (competitors on the same platform). Sources without follower counts raise."""
        raise NotImplementedError(f"source {self.name!r} has no audience counts")

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        """Parse one page from `fetch_audience`; malformed entries raise MalformedItem."""
        return iter(())


def json_body(page: Page) -> tuple[Any, str | None]:
    """The decoded JSON body, or an error naming what is wrong with it."""
    try:
        return json.loads(page.body.decode("utf-8-sig")), None
    except UnicodeDecodeError as exc:
        return None, f"response is not UTF-8: {exc.reason}"
    except json.JSONDecodeError as exc:
        return None, f"response is not valid JSON: {exc.msg} at line {exc.lineno}"


class HttpStream(Connector):
    """A JSON API listing, in the manner of Meltano SDK streams: subclasses declare where the
    records are, how pages follow each other and how much they may ask; the base class runs
    the loop, the time slicing and the error policy.

    Subclasses implement `request(params, query, window)` and `to_mention`; they may override
    `queries` (one request chain per query), `auth_headers`, `records` and `record_time`.
    """

    paginator: ClassVar[Paginator] = SinglePage()
    records_path: ClassVar[str | None] = None  # where the list of items is; None = the body
    budget: ClassVar[Budget | None] = None
    max_pages: ClassVar[int] = 50
    # APIs that cap the hits of one query (HN 1,000, GDELT 250): slices over the cap are split.
    result_cap: ClassVar[int | None] = None
    total_path: ClassVar[str | None] = None
    min_slice: ClassVar[timedelta] = timedelta(minutes=5)

    def queries(self, params: BaseModel) -> list[Any]:
        return [None]

    def request(self, params: BaseModel, query: Any, window: Window) -> Request:
        raise NotImplementedError

    def auth_headers(self, params: BaseModel, http: HttpClient) -> dict[str, str]:
        return {}

    def records(self, data: Any) -> list:
        found = dig(data, self.records_path) if self.records_path else data
        return found if isinstance(found, list) else []

    def record_time(self, record: Any) -> datetime | None:
        """When a record was published; newest-first listings stop paging once past the window."""
        return None

    def fetch(self, params: BaseModel, window: Window, http: HttpClient) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        for query in self.queries(params):
            yield from self._slice(params, query, window, http, headers)

    def _slice(self, params, query, window: Window, http: HttpClient, headers) -> Iterator[Page]:
        request = self.request(params, query, window)
        request = replace(request, headers={**headers, **request.headers})
        pages = self._paginate(request, window, http)
        first = next(pages, None)
        if first is None:
            return
        if self._over_cap(first) and window.end - window.start > self.min_slice:
            pages.close()
            middle = window.start + (window.end - window.start) / 2
            yield from self._slice(params, query, Window(window.start, middle), http, headers)
            yield from self._slice(params, query, Window(middle, window.end), http, headers)
            return
        yield first
        yield from pages

    def _over_cap(self, page: Page) -> bool:
        if not (self.result_cap and self.total_path):
            return False
        data, _ = json_body(page)
        total = dig(data, self.total_path)
        return isinstance(total, int | float) and total > self.result_cap

    def _paginate(self, request: Request, window: Window, http: HttpClient) -> Iterator[Page]:
        for _ in range(self.max_pages):
            page = http.get(
                request.url,
                params=request.params or None,
                headers=request.headers or None,
                budget=self.budget,
            )
            yield page
            data, error = json_body(page)
            if error:
                return
            records = self.records(data)
            times = [t for t in (self.record_time(r) for r in records) if t is not None]
            if times and max(times) < window.start:
                return  # newest-first listing: everything further is older than the window
            following = self.paginator.next(request, page, data, records)
            if following is None:
                return
            request = following

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = json_body(page)
        if error:
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem({"url": page.url, "body_start": snippet}, error=error)
            return
        for record in self.records(data):
            if isinstance(record, dict):
                yield RawItem(record)
            else:
                yield RawItem(record, error=f"item is a {type(record).__name__}, not an object")


def audience_count(
    account_id: Any, account_name: Any, followers: Any, observed_at: datetime | None
) -> AudienceCount:
    """A checked AudienceCount: an id and a whole non-negative count (APIs that send counts
    as strings, like YouTube, are accepted), or MalformedItem naming what is wrong."""
    if isinstance(account_id, int) and not isinstance(account_id, bool):
        account_id = str(account_id)
    if not isinstance(account_id, str) or not account_id.strip():
        raise MalformedItem("audience entry has no account id")
    if isinstance(followers, str) and followers.strip().isdigit():
        followers = int(followers)
    if isinstance(followers, bool) or not isinstance(followers, int) or followers < 0:
        raise MalformedItem(f"account {account_id}: follower count {followers!r} is not a count")
    name = account_name.strip() if isinstance(account_name, str) and account_name.strip() else None
    return AudienceCount(
        account_id=account_id, account_name=name, followers=followers, observed_at=observed_at
    )


def http_base(value: str) -> str:
    """A base URL that paths are appended to: http(s) with a host, no trailing slash."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http(s) URL, got {value!r}")
    return value.strip().rstrip("/")


def non_blank(values: list[str]) -> list[str]:
    """Watchlist lists of queries, handles or ids, stripped; an empty entry is a mistake."""
    cleaned = [v.strip() for v in values]
    if any(not v for v in cleaned):
        raise ValueError("empty entries are not allowed")
    return cleaned


def secret_from_env(name: str, what: str) -> str:
    """A token from the environment variable `name`, or else from the Airflow Connection
    whose conn_id is `name` in lower case (its password), so that under Airflow tokens can
    live in its secrets backend; otherwise a configuration error naming both."""
    value = os.environ.get(name, "").strip() or _airflow_connection_password(name.lower())
    if not value:
        raise ConfigError(
            f"{what}: set the environment variable {name} "
            f"(or an Airflow connection {name.lower()!r} with the token as its password)"
        )
    return value


def _airflow_connection_password(conn_id: str) -> str | None:
    try:
        from airflow.sdk import Connection
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:  # Vigie without Airflow installed: environment variables only
        return None
    try:
        connection = Connection.get(conn_id)
    except AirflowNotFoundException:
        return None
    return (connection.password or "").strip() or None


class _TextExtractor(HTMLParser):
    BLOCK = frozenset({"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


_SPACES = re.compile(r"\s+")


def html_to_text(fragment: str | None) -> str:
    """Plain text from an HTML snippet: tags dropped, entities decoded, whitespace folded."""
    if not fragment:
        return ""
    if "<" not in fragment:
        return _SPACES.sub(" ", html.unescape(fragment)).strip()
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return _SPACES.sub(" ", "".join(parser.parts)).strip()
