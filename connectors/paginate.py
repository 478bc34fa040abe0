"""Pagination styles as small strategy objects, in the manner of dlt's paginators.

A paginator looks at the request just made and the page it returned, and says what to ask
for next (or None when the listing is exhausted). Connectors pick one; none writes its own
loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from connectors.http import Page


@dataclass(frozen=True)
class Request:
    """What to fetch: a URL, its query parameters and headers."""

    url: str
    params: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def with_params(self, **changes: Any) -> Request:
        params = {**self.params, **changes}
        return replace(self, params={k: v for k, v in params.items() if v is not None})


def dig(data: Any, path: str) -> Any:
    """`dig(d, "data.after")` -> d["data"]["after"], or None when any step is missing."""
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class Paginator:
    def next(self, request: Request, page: Page, data: Any, records: list) -> Request | None:
        raise NotImplementedError


class SinglePage(Paginator):
    def next(self, request, page, data, records):
        return None


@dataclass(frozen=True)
class CursorPaginator(Paginator):
    """The response names the next cursor (Reddit `data.after`, Bluesky `cursor`)."""

    cursor_path: str
    param: str

    def next(self, request, page, data, records):
        cursor = dig(data, self.cursor_path)
        if not cursor or not records or request.params.get(self.param) == cursor:
            return None
        return request.with_params(**{self.param: cursor})


@dataclass(frozen=True)
class PageTokenPaginator(CursorPaginator):
    """YouTube's `nextPageToken` -> `pageToken`: a cursor under another name."""

    cursor_path: str = "nextPageToken"
    param: str = "pageToken"


@dataclass(frozen=True)
class PageNumberPaginator(Paginator):
    """`page=1, 2, ...` until a short or empty page, or the page count the API reports."""

    param: str = "page"
    start: int = 1
    page_size: int | None = None
    total_pages_path: str | None = None

    def next(self, request, page, data, records):
        current = int(request.params.get(self.param, self.start))
        if not records:
            return None
        if self.page_size is not None and len(records) < self.page_size:
            return None
        if self.total_pages_path:
            total = dig(data, self.total_pages_path)
            if isinstance(total, int) and current + 1 - self.start >= total:
                return None
        return request.with_params(**{self.param: current + 1})


@dataclass(frozen=True)
class MaxIdPaginator(Paginator):
    """Newest-first listings paged by `max_id` (Mastodon, X `until_id`): the next page asks
    for ids older than the oldest seen."""

    param: str = "max_id"
    id_of: Callable[[Any], str | None] = field(default=lambda record: record.get("id"))

    def next(self, request, page, data, records):
        ids = [i for i in (self.id_of(r) for r in records if isinstance(r, dict)) if i]
        if not ids:
            return None
        oldest = min(ids, key=lambda i: (len(str(i)), str(i)))  # numeric-string ids
        if request.params.get(self.param) == oldest:
            return None
        return request.with_params(**{self.param: oldest})


_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


@dataclass(frozen=True)
class LinkHeaderPaginator(Paginator):
    """RFC 8288 `Link: <...>; rel="next"` (Mastodon, GitHub): the next URL is given whole."""

    rel: str = "next"

    def next(self, request, page, data, records):
        header = next((v for k, v in page.headers.items() if k.lower() == "link"), "")
        for url, rel in _LINK.findall(header):
            if self.rel in rel.split() and records:
                return Request(url=url, headers=request.headers)
        return None
