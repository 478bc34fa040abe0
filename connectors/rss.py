"""RSS 1.0, RSS 2.0 and Atom feeds (Google News search feeds included), through feedparser.

A document that declares XML entities is refused before feedparser sees it, so billion-laughs
and external-entity tricks never get expanded.
"""

from __future__ import annotations

import calendar
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from hashlib import sha1
from typing import Any
from urllib.parse import urljoin

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from pydantic import BaseModel, ConfigDict, Field, HttpUrl

from connectors.base import Connector, MalformedItem, RawItem, Window, html_to_text
from connectors.http import Budget, HttpClient, Page, redact

ENTRY_FIELDS = (
    "id",
    "title",
    "link",
    "links",
    "author",
    "summary",
    "content",
    "published",
    "updated",
    "published_parsed",
    "updated_parsed",
    "tags",
    "source",
    "language",
    "slash_comments",
)


class RssParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urls: list[HttpUrl] = Field(min_length=1)


def _jsonable(value: Any) -> Any:
    """feedparser gives struct_time and dict subclasses; landing needs plain JSON."""
    if isinstance(value, time.struct_time):
        return datetime.fromtimestamp(calendar.timegm(value), UTC).isoformat()
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _refuses_entities(body: bytes) -> str | None:
    try:
        DefusedET.fromstring(body, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        return f"XML declares entities or external references, refused: {type(exc).__name__}"
    except DefusedET.ParseError:
        return None  # let feedparser's lenient parser judge malformed-but-usable feeds
    return None


class RssConnector(Connector):
    name = "rss"
    Params = RssParams
    # Feeds publish no limits; Google News throttles bursts. One a second is polite for a host.
    budget = Budget(requests=60, per_seconds=60)

    def fetch(self, params: RssParams, window: Window, http: HttpClient) -> Iterator[Page]:
        # A feed has no time query: the batch for a window is the feed as fetched then.
        for url in params.urls:
            yield http.get(str(url), budget=self.budget)

    def items(self, page: Page) -> Iterator[RawItem]:
        import feedparser

        refused = _refuses_entities(page.body)
        if refused:
            yield RawItem({"feed_url": page.url, "size": len(page.body)}, error=refused)
            return
        headers = {"content-type": page.content_type}
        if page.url.startswith(("http://", "https://")):
            headers["content-location"] = page.url  # base for relative links
        parsed = feedparser.parse(page.body, response_headers=headers, sanitize_html=False)
        if not parsed.entries and parsed.bozo:
            reason = f"not a readable feed: {parsed.get('bozo_exception')}"
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem({"feed_url": redact(page.url), "body_start": snippet}, error=reason)
            return
        feed = {
            "title": parsed.feed.get("title"),
            "link": parsed.feed.get("link"),
            "language": parsed.feed.get("language"),
            "url": page.url,
        }
        for entry in parsed.entries:
            payload = {k: _jsonable(entry[k]) for k in ENTRY_FIELDS if k in entry}
            payload["_feed"] = feed
            yield RawItem(payload)

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("feed item is not an object")
        feed = payload.get("_feed") or {}
        base = feed.get("link") or feed.get("url") or ""
        link = payload.get("link")
        url = urljoin(base, link) if link else None
        title = html_to_text(payload.get("title"))
        content = payload.get("content") or []
        body = content[0].get("value") if content and isinstance(content[0], dict) else None
        text = html_to_text(body or payload.get("summary")) or title
        if not text:
            raise MalformedItem("feed item has neither title nor text")
        source_id = payload.get("id") or url
        if not source_id:
            source_id = sha1(f"{feed.get('url')}|{title}".encode()).hexdigest()
        published = payload.get("published_parsed") or payload.get("updated_parsed")
        if published is None and (payload.get("published") or payload.get("updated")):
            raw_date = payload.get("published") or payload.get("updated")
            raise MalformedItem(f"unparseable date {raw_date!r}")
        lang = payload.get("language") or feed.get("language")
        comments = str(payload.get("slash_comments") or "").strip()
        author = payload.get("author") or None
        return {
            "source_id": str(source_id),
            "url": url,
            "published_at": published,
            "title": title or None,
            "text": text,
            "author_id": author,
            "author_name": author,
            "lang": lang,
            # The RSS Slash module's comment count: the only engagement figure feeds carry.
            "comments": int(comments) if comments.isdigit() else None,
        }
