"""Reddit search listings: `/search` across Reddit, or `/r/<sub>/search` with restrict_sr.

Reddit's search has no time-range parameter, so we ask for `sort=new` and let the stream stop
paging once a whole page is older than the window (`record_time` reads `created_utc`). Pages
therefore also carry a few items just outside the window; they are landed as Reddit sent
them and merged by (source, source_id) downstream, like any rerun.

With a client id and secret in the environment we use application-only OAuth
(client_credentials, then `oauth.reddit.com` with a bearer token); without them, the public
`www.reddit.com` JSON, under our own honest User-Agent and a far smaller budget.
"""

from __future__ import annotations

import html
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal, cast
from urllib.parse import urljoin

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import (
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    json_body,
    secret_from_env,
)
from connectors.http import Action, Budget, HttpClient, Page, RequestError
from connectors.paginate import CursorPaginator, Request, dig
from pipelines.settings import ENV_NAME

SITE = "https://www.reddit.com"  # permalinks point at the real site, whatever host we query
# Reddit Data API wiki: 100 queries per minute per OAuth client id, averaged over 10 minutes.
# A sliding minute of 100 never exceeds that average; the token request counts against it.
OAUTH_BUDGET = Budget(requests=100, per_seconds=60)
# Logged-out traffic gets Reddit's "default rate limit", which the wiki does not number; 10
# per minute is the figure reported since the 2023 API changes (the old rule was 30/min).
PUBLIC_BUDGET = Budget(requests=10, per_seconds=60)
TOKEN_MARGIN = 60.0  # renew a token this many seconds before Reddit says it expires
GONE = frozenset({"[removed]", "[deleted]"})
_SUBREDDIT = re.compile(r"^[A-Za-z0-9_]{2,21}$")


class RedditParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=512)  # Reddit's own query length limit
    # Empty: all of Reddit. Otherwise one search per subreddit, restricted to it.
    subreddits: list[str] = []
    # auto: OAuth when both variables are set, the public JSON when neither is.
    auth: Literal["auto", "oauth", "public"] = "auto"
    client_id_env: str = "VIGIE_REDDIT_CLIENT_ID"
    client_secret_env: str = "VIGIE_REDDIT_CLIENT_SECRET"
    # Reddit asks for "<platform>:<app id>:<version> (by /u/<username>)"; default: Vigie's own.
    user_agent: str | None = None
    base_url: str = SITE
    oauth_base_url: str = "https://oauth.reddit.com"

    @field_validator("subreddits")
    @classmethod
    def _subreddit_names(cls, names: list[str]) -> list[str]:
        cleaned = []
        for name in names:
            bare = name.strip().removeprefix("/").removeprefix("r/")
            if not _SUBREDDIT.match(bare):
                raise ValueError(f"{name!r} is not a subreddit name (letters, digits, _)")
            cleaned.append(bare)
        return cleaned

    @field_validator("client_id_env", "client_secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an environment variable name; put the secret in the "
                "environment and name the variable here"
            )
        return value


class _Anonymous:
    """The client as the stream sees it when logged out: every GET draws on the public
    budget instead of the class's OAuth one, so one class serves both modes."""

    def __init__(self, http: HttpClient) -> None:
        self._http = http

    def get(
        self,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        budget: Budget | None = None,
    ) -> Page:
        return self._http.get(url, params=params, headers=headers, budget=PUBLIC_BUDGET)


def _plain(value: Any) -> str:
    """Reddit escapes &, < and > in its JSON (unless raw_json=1): decode once, fold spaces.
    The text is Markdown, not HTML, so nothing else is stripped."""
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class RedditConnector(HttpStream):
    name = "reddit"
    Params = RedditParams
    paginator = CursorPaginator(cursor_path="data.after", param="after")
    records_path = "data.children"
    budget = OAUTH_BUDGET

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}

    # ---- fetching --------------------------------------------------------------------------

    def _credentials(self, params: RedditParams) -> tuple[str, str] | None:
        """(client id, secret), None for the public JSON, or a ConfigError naming what is
        missing: half a credential is a mistake, not a reason to fall back silently."""
        if params.auth == "public":
            return None
        has_id = bool(os.environ.get(params.client_id_env, "").strip())
        has_secret = bool(os.environ.get(params.client_secret_env, "").strip())
        if params.auth == "auto" and not has_id and not has_secret:
            return None
        what = "reddit OAuth needs a client id and secret"
        return (
            secret_from_env(params.client_id_env, what),
            secret_from_env(params.client_secret_env, what),
        )

    def fetch(self, params: RedditParams, window: Window, http: HttpClient) -> Iterator[Page]:
        client = http if self._credentials(params) else cast(HttpClient, _Anonymous(http))
        yield from super().fetch(params, window, client)

    def auth_headers(self, params: RedditParams, http: HttpClient) -> dict[str, str]:
        headers = {"User-Agent": params.user_agent} if params.user_agent else {}
        credentials = self._credentials(params)
        if credentials:
            headers["Authorization"] = f"bearer {self._token(params, credentials, http)}"
        return headers

    def _token(self, params: RedditParams, credentials: tuple[str, str], http: HttpClient) -> str:
        """An application-only token, reused until shortly before it expires (a day)."""
        url = f"{params.base_url.rstrip('/')}/api/v1/access_token"
        key = (url, *credentials)
        cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        page = http.request(
            "POST",
            url,
            data={"grant_type": "client_credentials"},
            auth=credentials,
            headers={"User-Agent": params.user_agent} if params.user_agent else None,
            budget=self.budget,
        )
        data, error = json_body(page)
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str) or not token:
            told = data.get("error") if isinstance(data, dict) else error
            raise RequestError(
                f"POST {url}: no access_token in the answer ({told or 'empty'}); "
                "check the Reddit app's client id and secret",
                Action.CONFIG,
                page.status,
            )
        lifetime = data.get("expires_in")
        lifetime = lifetime if isinstance(lifetime, int | float) else 3600
        self._tokens[key] = (token, time.monotonic() + max(lifetime - TOKEN_MARGIN, 0))
        return token

    def queries(self, params: RedditParams) -> list[str | None]:
        return list(params.subreddits) or [None]

    def request(self, params: RedditParams, query: str | None, window: Window) -> Request:
        oauth = self._credentials(params) is not None
        base = (params.oauth_base_url if oauth else params.base_url).rstrip("/")
        path = f"/r/{query}/search" if query else "/search"
        # t is relative to the moment of the request: t=all keeps a window's result the same
        # whenever it is fetched (reruns, backfills); record_time does the cutting.
        args: dict[str, Any] = {"q": params.query, "sort": "new", "t": "all", "limit": 100}
        if query:
            args["restrict_sr"] = 1
        return Request(f"{base}{path}{'' if oauth else '.json'}", args)

    def record_time(self, record: Any) -> datetime | None:
        data = record.get("data") if isinstance(record, dict) else None
        created = data.get("created_utc") if isinstance(data, dict) else None
        if isinstance(created, int | float) and not isinstance(created, bool):
            return datetime.fromtimestamp(created, UTC)
        return None

    # ---- mapping ---------------------------------------------------------------------------

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = json_body(page)
        if not error and not isinstance(dig(data, "data.children"), list):
            # Valid JSON that is not a listing (an error object, another API's body) would
            # otherwise yield nothing at all; say what it is instead.
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem(
                {"url": page.url, "body_start": snippet},
                error="not a Reddit listing: no data.children list",
            )
            return
        yield from super().items(page)

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("listing child is not an object")
        kind = payload.get("kind")
        data = payload.get("data")
        if kind not in ("t3", "t1"):
            raise MalformedItem(
                f"listing child of kind {kind!r} is not a post (t3) or comment (t1)"
            )
        if not isinstance(data, dict):
            raise MalformedItem(f"{kind} child has no data object")
        item_id = data.get("id")
        fullname = data.get("name") or (f"{kind}_{item_id}" if item_id else None)
        if not isinstance(fullname, str) or not fullname:
            raise MalformedItem(f"{kind} item has neither id nor name")
        created = data.get("created_utc")
        if not isinstance(created, int | float) or isinstance(created, bool):
            raise MalformedItem(f"created_utc: expected epoch seconds, got {created!r}")
        author = data.get("author") if data.get("author") not in GONE else None
        score = _count(data.get("score"))
        fields: dict[str, Any] = {
            "source_id": fullname,
            "url": self._permalink(kind, data),
            "published_at": created,
            "author_id": data.get("author_fullname") or author,
            "author_name": author,
            # subreddit_subscribers is the community's audience, not the author's.
            "author_followers": None,
            # score is ups minus downs and goes below zero on comments; likes cannot.
            "likes": max(score, 0) if score is not None else None,
        }
        if kind == "t1":
            body = _plain(data.get("body"))
            if not body or body in GONE:
                raise MalformedItem("comment body is removed, deleted or empty")
            return {**fields, "title": None, "text": body}
        title = _plain(data.get("title"))
        selftext = _plain(data.get("selftext"))
        text = selftext if selftext and selftext not in GONE else title
        if not text:
            raise MalformedItem("post has neither title nor text")
        return {
            **fields,
            "title": title or None,
            "text": text,
            "comments": _count(data.get("num_comments")),
            "shares": _count(data.get("num_crossposts")),
            "is_repost": bool(data.get("crosspost_parent")),
        }

    @staticmethod
    def _permalink(kind: str, data: dict) -> str | None:
        permalink = data.get("permalink")
        if isinstance(permalink, str) and permalink:
            return urljoin(SITE, permalink)
        item_id = data.get("id")
        if kind == "t3" and item_id:
            return f"{SITE}/comments/{item_id}/"
        link_id = data.get("link_id")
        if kind == "t1" and item_id and isinstance(link_id, str):
            return f"{SITE}/comments/{link_id.removeprefix('t3_')}/_/{item_id}/"
        return None
