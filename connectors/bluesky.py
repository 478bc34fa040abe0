"""Bluesky posts: full-text search (`app.bsky.feed.searchPosts`) and author feeds
(`app.bsky.feed.getAuthorFeed`) for competitor activity.

Search takes the window as `since` (inclusive) / `until` (exclusive), so a window fetches its
own posts; author feeds have no time filter and are read newest first until a whole page is
older than the window. Bluesky has disabled unauthenticated search on its public AppView
(bluesky-social/atproto#3423), so search logs in with an app password; author feeds read the
public AppView unless `login` is set. The session is created once per connector instance and
refreshed before its access token expires: createSession is limited to 30 per 5 minutes and
300 per day per account, so logging in per request or per run would lock the account out.

Reposts: an author-feed item `{"post": ..., "reason": {"$type": "...#reasonRepost", "by":
...}}` is stored as its own mention, flagged as a repost: the reposter as author, the repost
time as `published_at`, the original's text, language and permalink, and no engagement of its
own (the original's likes belong to the original). Near-duplicate clustering then folds it
into the original's cluster and adds the reposter's audience to its reach.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from connectors.base import (
    AudienceCount,
    HttpStream,
    MalformedItem,
    Window,
    audience_count,
    http_base,
    json_body,
    non_blank,
    secret_from_env,
)
from connectors.http import Budget, HttpClient, Page, RequestError
from connectors.paginate import CursorPaginator, Request, dig
from pipelines.errors import SourceError
from pipelines.settings import ENV_NAME

PAGE_SIZE = 100  # the lexicons' maximum for both searchPosts and getAuthorFeed
PROFILES_PER_CALL = 25  # getProfiles' maximum
REASON_REPOST = "app.bsky.feed.defs#reasonRepost"
POST_COLLECTION = "app.bsky.feed.post"
REFRESH_MARGIN = 300.0  # seconds: refresh a session this long before its token expires
UNKNOWN_LIFETIME = 1800.0  # when a token's expiry cannot be read, assume half an hour


class BlueskyParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://public.api.bsky.app"  # the public AppView, for logged-out reads
    pds_url: str = "https://bsky.social"  # where the account logs in; proxies logged-in reads
    search: list[str] = []  # searchPosts queries (Lucene-like syntax)
    authors: list[str] = []  # competitor accounts: handles or DIDs
    account: str | None = None  # the brand's own handle or DID, for follower counts only
    # None: log in only when there are searches. True: author feeds go through the PDS too.
    login: bool | None = None
    handle_env: str = "VIGIE_BLUESKY_HANDLE"
    password_env: str = "VIGIE_BLUESKY_APP_PASSWORD"

    @field_validator("base_url", "pds_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_base(value)

    @field_validator("search", "authors")
    @classmethod
    def _no_blanks(cls, values: list[str]) -> list[str]:
        return non_blank(values)

    @field_validator("authors")
    @classmethod
    def _no_at(cls, values: list[str]) -> list[str]:
        return [v.lstrip("@") for v in values]

    @field_validator("account")
    @classmethod
    def _own_account(cls, value: str | None) -> str | None:
        return None if value is None else non_blank([value.lstrip("@")])[0]

    @field_validator("handle_env", "password_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> BlueskyParams:
        if not (self.search or self.authors):
            raise ValueError("give at least one of search or authors")
        return self

    @property
    def logs_in(self) -> bool:
        return self.login if self.login is not None else bool(self.search)


@dataclass(frozen=True)
class Query:
    kind: str  # "search" | "author"
    value: str


@dataclass(frozen=True)
class Session:
    """An app-password session: tokens are kept in memory only, never logged or landed."""

    access_jwt: str
    refresh_jwt: str
    did: str
    expires_at: float  # epoch seconds

    def usable(self, now: float) -> bool:
        return now < self.expires_at - REFRESH_MARGIN


def _jwt_expiry(token: str) -> float | None:
    """The `exp` claim of a JWT, read without verifying it (the PDS verifies; we only want to
    know when to refresh)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _split(item: dict) -> tuple[dict, dict | None]:
    """(PostView, repost reason or None) from a search PostView or an author-feed item."""
    post = item.get("post")
    if isinstance(post, dict):
        reason = item.get("reason")
        repost = isinstance(reason, dict) and reason.get("$type") == REASON_REPOST
        return post, reason if repost else None
    return item, None


def _alt_texts(post: dict) -> str:
    embed = post.get("embed") if isinstance(post.get("embed"), dict) else {}
    images = embed.get("images") or dig(embed, "media.images") or []
    return " ".join(i["alt"] for i in images if isinstance(i, dict) and i.get("alt"))


class BlueskyConnector(HttpStream):
    name = "bluesky"
    Params = BlueskyParams
    paginator = CursorPaginator(cursor_path="cursor", param="cursor")
    # The AppView and Bluesky's PDS both allow 3,000 requests per 5 minutes per IP
    # (docs.bsky.app/docs/advanced-guides/rate-limits).
    budget = Budget(requests=3000, per_seconds=300)
    # createSession: 30 per 5 minutes (and 300 per day) per account, same page.
    login_budget = Budget(requests=30, per_seconds=300)

    def __init__(self) -> None:
        self._sessions: dict[tuple[str, str], Session] = {}
        self._lock = threading.Lock()

    def queries(self, params: BlueskyParams) -> list[Query]:
        return [Query("search", q) for q in params.search] + [
            Query("author", actor) for actor in params.authors
        ]

    # ---- session ------------------------------------------------------------------------

    def auth_headers(self, params: BlueskyParams, http: HttpClient) -> dict[str, str]:
        if not params.logs_in:
            return {}
        return {"Authorization": f"Bearer {self._session(params, http).access_jwt}"}

    def _session(self, params: BlueskyParams, http: HttpClient) -> Session:
        """The cached session for this account, refreshed or re-created only when needed."""
        identifier = secret_from_env(params.handle_env, "bluesky login needs the account handle")
        password = secret_from_env(
            params.password_env, "bluesky login needs an app password (Settings > App passwords)"
        )
        key = (params.pds_url, identifier.lower())
        with self._lock:
            session = self._sessions.get(key)
            if session is not None and session.usable(time.time()):
                return session
            if session is not None:
                try:
                    session = self._start(params, http, "refreshSession", None, session.refresh_jwt)
                except RequestError:
                    session = None  # refresh token expired or revoked: log in again
            if session is None:
                credentials = {"identifier": identifier, "password": password}
                session = self._start(params, http, "createSession", credentials, None)
            self._sessions[key] = session
            return session

    def _start(
        self,
        params: BlueskyParams,
        http: HttpClient,
        method: str,
        credentials: dict | None,
        refresh_jwt: str | None,
    ) -> Session:
        page = http.request(
            "POST",
            f"{params.pds_url}/xrpc/com.atproto.server.{method}",
            json=credentials,
            headers={"Authorization": f"Bearer {refresh_jwt}"} if refresh_jwt else None,
            budget=self.login_budget,
        )
        data, error = json_body(page)
        access = data.get("accessJwt") if isinstance(data, dict) else None
        refresh = data.get("refreshJwt") if isinstance(data, dict) else None
        if error or not isinstance(access, str) or not isinstance(refresh, str):
            raise SourceError(f"bluesky {method}: the answer has no session tokens")
        expiry = _jwt_expiry(access) or time.time() + UNKNOWN_LIFETIME
        return Session(access, refresh, str(data.get("did") or ""), expiry)

    # ---- listing ------------------------------------------------------------------------

    def request(self, params: BlueskyParams, query: Query, window: Window) -> Request:
        host = params.pds_url if params.logs_in else params.base_url
        if query.kind == "search":
            return Request(
                f"{host}/xrpc/app.bsky.feed.searchPosts",
                {
                    "q": query.value,
                    "sort": "latest",
                    "since": _iso(window.start),  # inclusive
                    "until": _iso(window.end),  # exclusive: the window is half-open too
                    "limit": PAGE_SIZE,
                },
            )
        return Request(
            f"{host}/xrpc/app.bsky.feed.getAuthorFeed",
            {"actor": query.value, "limit": PAGE_SIZE},
        )

    def records(self, data: Any) -> list:
        """searchPosts answers {posts: [PostView]}; getAuthorFeed {feed: [FeedViewPost]}."""
        if isinstance(data, dict):
            for key in ("posts", "feed"):
                if isinstance(data.get(key), list):
                    return data[key]
        return []

    def record_time(self, record: Any) -> datetime | None:
        """The feed's sort time: the repost time for reposts, else the earlier of createdAt
        and indexedAt (Bluesky's `sortAt`)."""
        if not isinstance(record, dict):
            return None
        post, reason = _split(record)
        if reason is not None:
            return _time(reason.get("indexedAt"))
        times = [
            t
            for t in (_time(dig(post, "record.createdAt")), _time(post.get("indexedAt")))
            if t is not None
        ]
        return min(times) if times else None

    # ---- mapping ------------------------------------------------------------------------

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("post is not an object")
        post, reason = _split(payload)
        uri = post.get("uri")
        if not isinstance(uri, str) or not uri.startswith("at://"):
            raise MalformedItem("post has no at:// uri")
        parts = uri.removeprefix("at://").split("/")
        if len(parts) != 3 or parts[1] != POST_COLLECTION or not all(parts):
            raise MalformedItem(f"{uri} is not the URI of a post")
        repo, _, rkey = parts
        record = post.get("record")
        if not isinstance(record, dict):
            raise MalformedItem(f"{uri} has no record")
        created = record.get("createdAt")
        if not created:
            raise MalformedItem(f"{uri} has no createdAt")
        langs = record.get("langs") if isinstance(record.get("langs"), list) else []
        langs = [lang for lang in langs if isinstance(lang, str)]
        text = record.get("text") if isinstance(record.get("text"), str) else ""
        fields: dict[str, Any] = {
            "source_id": uri,
            # bsky.app resolves DIDs as well as handles, and a DID survives a handle change.
            "url": f"https://bsky.app/profile/{repo}/post/{rkey}",
            "published_at": created,
            "title": None,
            "text": text.strip() or _alt_texts(post),
            "lang": langs[0] if langs else None,
            "is_repost": reason is not None,
            # A reply's record names its parent post by at:// URI, our source_id for it.
            "reply_to": None,
        }
        if reason is None:
            author = post.get("author") if isinstance(post.get("author"), dict) else {}
            # Reposts and quotes both put the post in front of the sharer's followers.
            spread = [_count(post.get("repostCount")), _count(post.get("quoteCount"))]
            known = [n for n in spread if n is not None]
            parent = dig(record, "reply.parent.uri")
            fields.update(
                reply_to=parent if isinstance(parent, str) and parent else None,
                likes=_count(post.get("likeCount")),
                shares=sum(known) if known else None,
                comments=_count(post.get("replyCount")),
            )
        else:
            author = reason.get("by") if isinstance(reason.get("by"), dict) else {}
            if not author.get("did"):
                raise MalformedItem(f"repost of {uri} does not say who reposted it")
            if not reason.get("indexedAt"):
                raise MalformedItem(f"repost of {uri} has no indexedAt")
            fields.update(
                # One repost per account per post: this pair is the repost's stable identity.
                source_id=f"{uri}#repost-by-{author['did']}",
                published_at=reason["indexedAt"],
                likes=None,
                shares=None,
                comments=None,
            )
        fields.update(
            author_id=author.get("did") or None,
            author_name=author.get("displayName") or author.get("handle") or None,
            # profileViewBasic has no follower count; kept when a richer view carries one.
            author_followers=_count(author.get("followersCount")),
        )
        return fields

    # ---- audience -----------------------------------------------------------------------

    def fetch_audience(
        self, params: BlueskyParams, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        """`app.bsky.actor.getProfiles` on the public AppView, 25 actors a call: the brand's
        `account` and each of `accounts` (handles or DIDs). Profiles are public: no login."""
        wanted = [params.account, *(a.strip().lstrip("@") for a in accounts)]
        actors = list(dict.fromkeys(a for a in wanted if a))
        for start in range(0, len(actors), PROFILES_PER_CALL):
            yield http.get(
                f"{params.base_url}/xrpc/app.bsky.actor.getProfiles",
                params={"actors": actors[start : start + PROFILES_PER_CALL]},
                budget=self.budget,
            )

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        data, error = json_body(page)
        if error:
            raise MalformedItem(error)
        profiles = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(profiles, list):
            raise MalformedItem("the answer has no `profiles` list")
        counts = []
        for profile in profiles:
            if not isinstance(profile, dict):
                raise MalformedItem(f"profile is a {type(profile).__name__}, not an object")
            name = profile.get("displayName") or profile.get("handle")
            # The DID, as to_mention gives author_id: it survives a handle change.
            counts.append(
                audience_count(
                    profile.get("did"), name, profile.get("followersCount"), page.fetched_at
                )
            )
        yield from counts
