"""Connector output -> the canonical mention: typed fields, UTC times, a stable id.

Every check here raises MalformedItem with a reason a person can act on; the caller sends
the raw payload and that reason to quarantine and carries on with the batch.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from connectors.base import MalformedItem

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
EPOCH_MS_THRESHOLD = 100_000_000_000  # larger epoch numbers are milliseconds
FUTURE_SLACK = timedelta(days=2)  # clock skew and time zones, not posts from next year
_LANG = re.compile(r"^[A-Za-z]{2,3}")


def mention_id(source: str, source_id: str) -> str:
    """Stable across runs and machines, so reloads and reruns merge instead of duplicating."""
    return hashlib.sha256(f"{source}\x1f{source_id}".encode()).hexdigest()[:24]


def parse_time(value: Any, field: str = "published_at") -> datetime:
    """ISO 8601 (offset or Z; naive means UTC), epoch seconds or milliseconds -> aware UTC."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, bool):
        raise MalformedItem(f"{field}: expected a date, got {value!r}")
    elif isinstance(value, int | float):
        seconds = value / 1000 if abs(value) >= EPOCH_MS_THRESHOLD else value
        try:
            moment = datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):
            raise MalformedItem(f"{field}: epoch value {value!r} is out of range") from None
    elif isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"-?\d+(\.\d+)?", text):
            return parse_time(float(text), field)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise MalformedItem(f"{field}: unparseable date {value!r}") from None
    else:
        raise MalformedItem(f"{field}: expected a date, got {type(value).__name__}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def pseudonymize(key: bytes, source: str, author_id: str | None) -> str | None:
    """Keyed hash: the same author links across mentions, but the id cannot be reversed."""
    if not author_id:
        return None
    return hmac.new(key, f"{source}\x1f{author_id}".encode(), hashlib.sha256).hexdigest()[:24]


def _text(value: Any, field: str, required: bool = False) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise MalformedItem(f"missing required field {field!r}")
        return None
    if not isinstance(value, str | int):
        raise MalformedItem(f"{field}: expected text, got {type(value).__name__}")
    text = str(value)
    if "\x00" in text:
        raise MalformedItem(f"{field}: contains a NUL byte")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedItem(f"{field}: not valid UTF-8 (lone surrogate)") from None
    return text.strip()


def _count(value: Any, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise MalformedItem(f"{field}: expected a non-negative whole number, got {value!r}")
    return value


def _url(value: Any) -> str | None:
    """An absolute http(s) URL, or None: a javascript: or relative link is dropped, not kept."""
    url = _text(value, "url")
    if url is None:
        return None
    parts = urlsplit(url)
    return url if parts.scheme in ("http", "https") and parts.netloc else None


def _lang(value: Any) -> str | None:
    text = _text(value, "lang")
    match = _LANG.match(text) if text else None
    return match.group(0).lower() if match else None


def normalize(
    fields: dict[str, Any],
    *,
    source: str,
    fetched_at: datetime,
    author_key: bytes,
) -> dict[str, Any]:
    """One canonical mention row, or MalformedItem. `source` may be overridden by imports."""
    source = _text(fields.get("source"), "source") or source
    source_id = _text(fields.get("source_id"), "source_id", required=True)
    raw_time = fields.get("published_at")
    published = fetched_at if raw_time is None else parse_time(raw_time)
    if not EARLIEST <= published <= fetched_at + FUTURE_SLACK:
        raise MalformedItem(f"published_at: {published.isoformat()} is outside the sane range")
    followers = _count(fields.get("author_followers"), "author_followers")
    likes = _count(fields.get("likes"), "likes")
    shares = _count(fields.get("shares"), "shares")
    comments = _count(fields.get("comments"), "comments")
    engagement = (likes or 0) + (shares or 0) + (comments or 0)
    author = _text(fields.get("author_id"), "author")
    url = _url(fields.get("url"))
    flags = ["url_dropped"] if url is None and fields.get("url") else []
    if fields.get("is_repost"):
        flags.append("repost")  # the source marks it a boost, retweet, repost or cross-post
    return {
        "mention_id": mention_id(source, source_id),
        "source": source,
        "source_id": source_id,
        "url": url,
        "author_id": pseudonymize(author_key, source, author),
        "author_name": _text(fields.get("author_name"), "author"),
        "author_followers": followers,
        "published_at": published,
        "collected_at": fetched_at,
        "lang": _lang(fields.get("lang")),
        "text": _text(fields.get("text"), "text", required=True),
        "title": _text(fields.get("title"), "title"),
        "brand": _text(fields.get("brand"), "brand"),
        # The source_id (same source) of the item this one answers: response tracking.
        "reply_to": _text(fields.get("reply_to"), "reply_to"),
        "likes": likes,
        "shares": shares,
        "comments": comments,
        # Reach is who could have seen it: the author's audience plus everyone who engaged.
        "reach_estimate": (followers or 0) + engagement,
        "flags": flags,
    }
