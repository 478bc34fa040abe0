"""X API v2 recent search (`GET /2/tweets/search/recent`), app-only bearer token.

The window maps exactly onto `start_time` (inclusive) and `end_time` (exclusive), both in
whole seconds, so a window fetches its own posts and nothing else. Recent search only reaches
back seven days: a window wholly older than that is refused with an error that says so (an
empty batch would be landed and never fetched again); a window that starts a little before
the horizon, as an incremental run does after a week's pause, is trimmed to it, with a
warning.

Posts come in `data`, their authors in the page's `includes.users`; `items` carries each
post's author along with it, so `to_mention` can map one item on its own.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import (
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    json_body,
    secret_from_env,
)
from connectors.http import Budget, HttpClient, Page
from connectors.paginate import CursorPaginator, Request, dig
from pipelines.errors import SourceError
from pipelines.settings import ENV_NAME

log = logging.getLogger(__name__)

SITE = "https://x.com"
TWEET_FIELDS = (
    "created_at,lang,public_metrics,referenced_tweets,author_id,conversation_id,note_tweet"
)
USER_FIELDS = "username,name,public_metrics"
REACH = timedelta(days=7)  # how far back recent search goes
REACH_MARGIN = timedelta(minutes=1)  # our clock against X's, and the request's flight time
END_LAG = timedelta(seconds=10)  # X refuses an end_time less than 10 s before the request
# Language codes X uses for "no language": undetermined, no linguistic content, and its own
# q-codes (qme media only, qht hashtags only, qam mentions only, qct cashtags, qst short text).
NO_LANGUAGE = frozenset({"und", "zxx", "qme", "qht", "qam", "qct", "qst"})


def utc_now() -> datetime:
    """The clock the seven-day horizon is measured against (tests freeze it)."""
    return datetime.now(UTC)


class XParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1)  # X's search syntax; e.g. add -is:retweet to skip reposts
    token_env: str = "VIGIE_X_BEARER_TOKEN"
    base_url: str = "https://api.x.com"

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an environment variable name; put the token in the "
                "environment and name the variable here"
            )
        return value


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _whole_seconds_up(moment: datetime) -> datetime:
    """end_time is exclusive and in whole seconds: round up, so the window's end is kept."""
    floor = moment.replace(microsecond=0)
    return floor if floor == moment else floor + timedelta(seconds=1)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class _NextToken(CursorPaginator):
    """X documents that a `next_token` means more pages, and a page can come back empty
    (every match on it deleted or withheld) with a token still attached: follow the token,
    not the emptiness. A repeated token still stops, and max_pages bounds the chain."""

    def next(self, request: Request, page: Page, data: Any, records: list) -> Request | None:
        token = dig(data, self.cursor_path)
        if not token or request.params.get(self.param) == token:
            return None
        return request.with_params(**{self.param: token})


class XConnector(HttpStream):
    name = "x"
    Params = XParams
    paginator = _NextToken(cursor_path="meta.next_token", param="next_token")
    records_path = "data"
    # docs.x.com/x-api/fundamentals/rate-limits: recent search allows 450 requests per
    # 15 minutes per app (app-only bearer). The x-rate-limit-* headers say what is left.
    budget = Budget(requests=450, per_seconds=15 * 60)

    def auth_headers(self, params: XParams, http: HttpClient) -> dict[str, str]:
        token = secret_from_env(params.token_env, "x recent search needs an app bearer token")
        return {"Authorization": f"Bearer {token}"}

    def request(self, params: XParams, query: Any, window: Window) -> Request:
        start, end = self._bounds(window)
        return Request(
            f"{params.base_url.rstrip('/')}/2/tweets/search/recent",
            {
                "query": params.query,
                "start_time": _rfc3339(start),
                "end_time": _rfc3339(end),
                "max_results": 100,
                "tweet.fields": TWEET_FIELDS,
                "expansions": "author_id",
                "user.fields": USER_FIELDS,
            },
        )

    @staticmethod
    def _bounds(window: Window) -> tuple[datetime, datetime]:
        """The window as recent search can serve it, or a SourceError saying why it cannot."""
        now = utc_now()
        horizon = (now - REACH + REACH_MARGIN).replace(microsecond=0)
        newest = (now - END_LAG).replace(microsecond=0)
        if window.end <= horizon:
            raise SourceError(
                f"x recent search only reaches back 7 days (to {_rfc3339(horizon)}); the window "
                f"{_rfc3339(window.start)}..{_rfc3339(window.end)} is older. Full-archive "
                "search (/2/tweets/search/all) is needed for that backfill."
            )
        if window.start >= newest:
            raise SourceError(f"x: the window starts at {_rfc3339(window.start)}, in the future")
        start = max(window.start.replace(microsecond=0), horizon)
        end = min(_whole_seconds_up(window.end), newest)
        if start > window.start:
            log.warning(
                "x: window start %s is beyond recent search's 7 days; fetching from %s",
                _rfc3339(window.start),
                _rfc3339(start),
            )
        if end < window.end:
            log.warning(
                "x: window end %s is not past yet; fetching up to %s",
                _rfc3339(window.end),
                _rfc3339(end),
            )
        return start, end

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = json_body(page)
        if error:
            yield from super().items(page)  # the base class quarantines the body whole
            return
        if not isinstance(data, dict) or not isinstance(data.get("data", []), list):
            # A zero-result page has no `data` at all; anything else here is not a search.
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem(
                {"url": page.url, "body_start": snippet},
                error="not an X search response: no list of posts under 'data'",
            )
            return
        users = {
            str(user["id"]): user
            for user in dig(data, "includes.users") or []
            if isinstance(user, dict) and user.get("id") is not None
        }
        for post in self.records(data):
            if not isinstance(post, dict):
                yield RawItem(post, error=f"item is a {type(post).__name__}, not an object")
                continue
            author = users.get(str(post.get("author_id")))
            # The API's own envelope, cut down to this post and the user it names.
            yield RawItem({"data": post, "includes": {"users": [author] if author else []}})

    def to_mention(self, payload: Any) -> dict[str, Any]:
        post = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(post, dict):
            raise MalformedItem("item has no post object under 'data'")
        post_id = post.get("id")
        if not isinstance(post_id, str | int) or not str(post_id).strip():
            raise MalformedItem("post has no id")
        if not post.get("created_at"):
            raise MalformedItem(f"post {post_id} has no created_at")
        users = dig(payload, "includes.users") or []
        author_id = post.get("author_id")
        user = next(
            (u for u in users if isinstance(u, dict) and str(u.get("id")) == str(author_id)),
            {},
        )
        username = user.get("username")
        note = dig(post, "note_tweet.text")  # the full text of posts longer than 280 chars
        text = note if isinstance(note, str) and note.strip() else post.get("text")
        metrics = post.get("public_metrics") or {}
        reposts, quotes = _count(metrics.get("retweet_count")), _count(metrics.get("quote_count"))
        lang = post.get("lang")
        references = post.get("referenced_tweets") or []
        return {
            "source_id": str(post_id),
            "url": f"{SITE}/{username}/status/{post_id}"
            if username
            else f"{SITE}/i/web/status/{post_id}",
            "published_at": post.get("created_at"),
            "title": None,
            # X escapes &, < and > in post text; it is plain text, not HTML.
            "text": " ".join(html.unescape(text).split()) if isinstance(text, str) else None,
            "author_id": str(author_id) if author_id is not None else None,
            "author_name": username or user.get("name"),
            "author_followers": _count(dig(user, "public_metrics.followers_count")),
            "lang": None if not isinstance(lang, str) or lang in NO_LANGUAGE else lang,
            "likes": _count(metrics.get("like_count")),
            "shares": None
            if reposts is None and quotes is None
            else (reposts or 0) + (quotes or 0),
            "comments": _count(metrics.get("reply_count")),
            "is_repost": any(
                isinstance(ref, dict) and ref.get("type") == "retweeted" for ref in references
            ),
        }
