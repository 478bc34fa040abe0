"""Hacker News stories and comments through the Algolia HN Search API (`search_by_date`).

The window maps to `numericFilters=created_at_i>=start,created_at_i<end`, so a window fetches
exactly its own items. Algolia serves at most 1,000 hits per query (`nbHits` may say more):
a slice whose first page reports more is halved until it fits (`HttpStream` time slicing).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import HttpStream, MalformedItem, Window, html_to_text, http_base, non_blank
from connectors.http import Budget
from connectors.paginate import PageNumberPaginator, Request

ITEM_URL = "https://news.ycombinator.com/item?id={}"


class HackerNewsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    queries: list[str] = Field(min_length=1)
    # Algolia tag syntax: "(story,comment)" is story OR comment.
    tags: str = "(story,comment)"
    # Algolia's maximum is 1,000; bigger pages mean fewer requests against the hourly limit.
    hits_per_page: int = Field(default=100, ge=1, le=1000)
    base_url: str = "https://hn.algolia.com"

    @field_validator("queries")
    @classmethod
    def _no_blank_query(cls, value: list[str]) -> list[str]:
        return non_blank(value)

    @field_validator("base_url")
    @classmethod
    def _base(cls, value: str) -> str:
        return http_base(value)


def _epoch_bound(moment: datetime) -> int:
    """Window bound -> integer second for `created_at_i`. Rounding both bounds up keeps the
    half-open interval exact for integer timestamps (i >= t <=> i >= ceil(t), same for <),
    even when time slicing cuts a window at a fractional second."""
    return math.ceil(moment.timestamp())


def _count(value: Any) -> int | None:
    """Points and comment counts: Algolia gives null for comments; anything odd is unknown."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


class HackerNewsConnector(HttpStream):
    name = "hackernews"
    Params = HackerNewsParams
    path: ClassVar[str] = "/api/v1/search_by_date"
    records_path = "hits"
    # `page` is 0-based; `nbPages` already accounts for Algolia's 1,000-hit pagination limit.
    paginator = PageNumberPaginator(param="page", start=0, total_pages_path="nbPages")
    # Algolia serves at most 1,000 hits per query, so nbPages <= ceil(1000 / hitsPerPage):
    # with small pages that exceeds the core's default of 50, which would cut a slice short.
    max_pages = 1000
    # hn.algolia.com/api publishes a limit of 10,000 requests per hour per IP; the budget is
    # that limit (per process: several processes on one IP share it between them).
    budget = Budget(requests=10_000, per_seconds=3600)
    result_cap = 1000
    total_path = "nbHits"

    def queries(self, params: HackerNewsParams) -> list[str]:
        return list(params.queries)

    def request(self, params: HackerNewsParams, query: str, window: Window) -> Request:
        start, end = _epoch_bound(window.start), _epoch_bound(window.end)
        return Request(
            f"{params.base_url}{self.path}",
            {
                "query": query,
                "tags": params.tags,
                "numericFilters": f"created_at_i>={start},created_at_i<{end}",
                "hitsPerPage": params.hits_per_page,
                "page": 0,
            },
        )

    def record_time(self, record: Any) -> datetime | None:
        # The numeric filter bounds the listing already; this only guards a listing that
        # ignored it (newest first), so paging stops once past the window.
        stamp = record.get("created_at_i") if isinstance(record, dict) else None
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            return datetime.fromtimestamp(stamp, UTC)
        return None

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("hit is not an object")
        object_id = str(payload.get("objectID") or "").strip()
        if not object_id:
            raise MalformedItem("hit has no objectID")
        tags = payload.get("_tags") or []
        is_comment = "comment" in tags or payload.get("comment_text") is not None
        if is_comment:
            title = html_to_text(payload.get("story_title")) or None
            text = html_to_text(payload.get("comment_text"))
            if not text:
                raise MalformedItem(f"comment {object_id} has no comment_text (deleted?)")
        else:
            title = html_to_text(payload.get("title")) or None
            text = html_to_text(payload.get("story_text")) or title or ""
            if not text:
                raise MalformedItem(f"story {object_id} has neither title nor story_text")
        author = payload.get("author") or None
        return {
            "source_id": object_id,
            "url": ITEM_URL.format(object_id),
            "published_at": self._published(payload, object_id),
            "title": title,
            "text": text,
            "author_id": author,
            "author_name": author,
            "author_followers": None,  # search hits carry no karma or follower count
            "lang": None,  # HN gives no language
            "likes": _count(payload.get("points")),
            "shares": None,
            "comments": _count(payload.get("num_comments")),
            "is_repost": False,  # HN has no reposts; resubmissions are separate stories
        }

    @staticmethod
    def _published(payload: dict, object_id: str) -> Any:
        stamp = payload.get("created_at_i")
        if isinstance(stamp, int) and not isinstance(stamp, bool):
            return stamp
        created = payload.get("created_at")
        if isinstance(created, str) and created.strip():
            try:
                datetime.fromisoformat(created.strip().replace("Z", "+00:00"))
            except ValueError:
                raise MalformedItem(
                    f"hit {object_id}: unparseable created_at {created!r}"
                ) from None
            return created.strip()
        raise MalformedItem(f"hit {object_id} has no created_at_i or created_at")
