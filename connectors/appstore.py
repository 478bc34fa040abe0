"""Apple App Store customer reviews, from the iTunes customer-review RSS feed in JSON.

`GET https://itunes.apple.com/<country>/rss/customerreviews/page=<n>/id=<appId>/sortby=mostrecent/json`
for every configured (app, storefront). The feed has no time filter: reviews come newest
first and paging stops once a whole page is older than the window. Apple serves pages 1 to 10
(50 reviews each, so the 500 most recent reviews per storefront); the page number lives in
the path, hence the small paginator below.

Quirks handled here: `feed.entry` is a single object when a page holds one review and is
absent on an empty page; older feeds open page 1 with an entry describing the app itself
(`im:name`, no `im:rating`), which is skipped as not-a-review rather than quarantined: it is
not a broken review, and quarantining it on every run would bury real problems.

Mapping choices:
- The star rating goes into the title, as "★★☆☆☆ <review title>": the canonical mention has
  no rating column, reports show the title, and the text stays exactly what the reviewer
  wrote (no sentiment is derived from the stars here). The rating stays in the raw payload.
- A review has no URL of its own. The permalink is the app's App Store page for the review's
  storefront with the review id as a fragment (`https://apps.apple.com/fr/app/id123#review-9`),
  so it opens where the reviews are shown and still names the review.
- `im:voteSum` (helpful votes) -> likes.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import (
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    html_to_text,
    http_base,
    json_body,
)
from connectors.http import Budget, Page, redact
from connectors.paginate import Paginator, Request, dig

STORE_PAGE = "https://apps.apple.com/{country}/app/id{app_id}"
LAST_PAGE = 10  # Apple answers pages 1..10 only
_PAGE = re.compile(r"/page=(\d+)/")
# The feed names its own URL (feed.id / rel=self), and each entry links to the app's reviews.
_FEED_URL = re.compile(r"/([a-z]{2})/rss/customerreviews/(?:[^?]*/)?id=(\d+)", re.IGNORECASE)
_ENTRY_LINK = re.compile(r"/([a-z]{2})/review\?id=(\d+)", re.IGNORECASE)
_AUTHOR_ID = re.compile(r"/reviews/id(\d+)")
_SPACES = re.compile(r"\s+")


def _label(entry: dict, key: str) -> str | None:
    value = dig(entry, f"{key}.label")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _is_app_entry(entry: Any) -> bool:
    """Older feeds open page 1 with the app's own description: it has a name, no rating."""
    return isinstance(entry, dict) and "im:rating" not in entry and "im:name" in entry


def _links(node: dict) -> list[dict]:
    """The `attributes` of a feed's or an entry's `link`, which is an object or a list."""
    links = node.get("link")
    links = [links] if isinstance(links, dict) else links if isinstance(links, list) else []
    return [a for a in (dig(link, "attributes") for link in links) if isinstance(a, dict)]


def _last_page(data: Any) -> int | None:
    """The page count the feed states in its rel=last link (which points at the XML feed)."""
    feed = dig(data, "feed")
    if not isinstance(feed, dict):
        return None
    for attributes in _links(feed):
        if attributes.get("rel") == "last":
            found = re.search(r"/page=(\d+)/", str(attributes.get("href", "")))
            return int(found.group(1)) if found else None
    return None


def _storefront(feed: dict) -> dict[str, str] | None:
    """The (country, app id) the feed is for, read from the feed's own URL."""
    candidates = [dig(feed, "id.label")]
    candidates += [a.get("href") for a in _links(feed) if a.get("rel") == "self"]
    for candidate in candidates:
        found = _FEED_URL.search(str(candidate or ""))
        if found:
            return {"country": found.group(1).lower(), "app_id": found.group(2)}
    return None


def _review_text(content: Any) -> str:
    """`content.label`: plain text as typed, or HTML when the feed says `type: html`."""
    if not isinstance(content, dict) or not isinstance(content.get("label"), str):
        return ""
    if dig(content, "attributes.type") == "html":
        return html_to_text(content["label"])
    return _SPACES.sub(" ", html.unescape(content["label"])).strip()


@dataclass(frozen=True)
class PathPagePaginator(Paginator):
    """`.../page=1/id=...` -> `.../page=2/id=...`, until an empty page, the page count the
    feed states in its `last` link, or page 10. The feed's own `next` link is not followed:
    it points at the XML flavour of the feed."""

    last: int = LAST_PAGE

    def next(self, request, page, data, records):
        current = _PAGE.search(request.url)
        if not records or current is None:
            return None
        number = int(current.group(1))
        if number >= min(self.last, _last_page(data) or self.last):
            return None
        url = _PAGE.sub(f"/page={number + 1}/", request.url, count=1)
        return replace(request, url=url)


class AppStoreParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    app_ids: list[str] = Field(min_length=1)  # the number in apps.apple.com/.../id<number>
    countries: list[str] = Field(default=["us"], min_length=1)  # storefront codes
    base_url: str = "https://itunes.apple.com"

    @field_validator("app_ids")
    @classmethod
    def _numeric(cls, values: list[str]) -> list[str]:
        ids = [v.strip().removeprefix("id") for v in values]
        bad = [v for v, i in zip(values, ids, strict=True) if not i.isdigit()]
        if bad:
            raise ValueError(f"App Store app ids are numbers (the id in the app's URL): {bad}")
        return ids

    @field_validator("countries")
    @classmethod
    def _storefronts(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not re.fullmatch(r"[A-Za-z]{2}", v)]
        if bad:
            raise ValueError(f"countries are two-letter storefront codes like 'fr', got {bad}")
        return [v.lower() for v in values]

    @field_validator("base_url")
    @classmethod
    def _is_http(cls, value: str) -> str:
        return http_base(value)


class AppStoreConnector(HttpStream):
    """Customer reviews, one request chain per (app, storefront).

    Budget: 20 requests a minute. Apple documents no limit for this feed; the iTunes Search
    API on the same host documents "approximately 20 calls per minute"
    (https://performance-partners.apple.com/search-api), which we take as the polite pace.
    """

    name = "appstore"
    Params = AppStoreParams
    paginator = PathPagePaginator()
    budget = Budget(requests=20, per_seconds=60)
    max_pages = LAST_PAGE

    def queries(self, params: AppStoreParams) -> list[tuple[str, str]]:
        return [(app, country) for app in params.app_ids for country in params.countries]

    def request(self, params: AppStoreParams, query: tuple[str, str], window: Window) -> Request:
        app, country = query
        path = f"/{country}/rss/customerreviews/page=1/id={app}/sortby=mostrecent/json"
        return Request(url=params.base_url + path)

    def records(self, data: Any) -> list:
        entries = dig(data, "feed.entry")
        if isinstance(entries, dict):
            entries = [entries]  # a page with a single review
        if not isinstance(entries, list):
            return []  # an empty page has no `entry` at all
        return [e for e in entries if not _is_app_entry(e)]

    def record_time(self, record: Any) -> datetime | None:
        return _when(dig(record, "updated.label")) if isinstance(record, dict) else None

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = json_body(page)
        feed = dig(data, "feed") if isinstance(data, dict) else None
        if error is None and not isinstance(feed, dict):
            error = "not an App Store customer-review feed: no `feed` object"
        if error:
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem({"url": redact(page.url), "body_start": snippet}, error=error)
            return
        store = _storefront(feed)
        for entry in self.records(data):
            if not isinstance(entry, dict):
                yield RawItem(entry, error=f"entry is a {type(entry).__name__}, not an object")
            elif store:
                # Which app and storefront the feed is for: entries do not always say.
                yield RawItem({**entry, "_store": store})
            else:
                yield RawItem(entry)

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("review is not an object")
        review_id = _label(payload, "id")
        if not review_id:
            raise MalformedItem("review has no id.label")
        updated = _label(payload, "updated")
        if not updated:
            raise MalformedItem(f"review {review_id} has no updated date")
        if _when(updated) is None:
            raise MalformedItem(f"review {review_id}: unparseable updated date {updated!r}")
        title = html.unescape(_label(payload, "title") or "")
        text = _review_text(payload.get("content")) or title
        rating = _label(payload, "im:rating")
        if rating is not None:
            if not rating.isdigit() or not 1 <= int(rating) <= 5:
                raise MalformedItem(f"review {review_id}: im:rating {rating!r} is not 1 to 5")
            title = f"{'★' * int(rating)}{'☆' * (5 - int(rating))} {title}".strip()
        author_uri = _label(payload, "author.uri")
        author_id = _AUTHOR_ID.search(author_uri or "")
        votes = _label(payload, "im:voteSum")
        return {
            "source_id": review_id,
            "url": self._permalink(payload, review_id),
            "published_at": updated,
            "title": title or None,
            "text": text,
            "author_id": author_id.group(1) if author_id else author_uri,
            "author_name": _label(payload, "author.name"),
            "author_followers": None,
            "lang": None,  # a storefront is a country, not a language
            "likes": int(votes) if votes and votes.isdigit() else None,
            "shares": None,
            "comments": None,
        }

    @staticmethod
    def _permalink(entry: dict, review_id: str) -> str | None:
        store = entry.get("_store")
        if not isinstance(store, dict):
            hrefs = " ".join(str(a.get("href", "")) for a in _links(entry))
            found = _ENTRY_LINK.search(hrefs)
            store = {"country": found.group(1).lower(), "app_id": found.group(2)} if found else {}
        if not store.get("country") or not store.get("app_id"):
            return None
        return STORE_PAGE.format(**store) + f"#review-{review_id}"
