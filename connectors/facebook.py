"""Facebook Pages (owned channel): the Page's posts and the comments under them, through the
Graph API with a Page access token.

One request per page of posts, with the first comments nested through field expansion:

    /{version}/{page-id}/feed?fields=...,reactions.summary(total_count).limit(0),shares,
        comments.filter(stream).order(reverse_chronological).limit(100).summary(true){...}

so a post and its recent comments cost one call. `filter(stream)` lists every comment,
replies included, flat and newest first; a reply names the comment it answers in `parent`.
Only when a post has more comments than fit and the oldest one nested is still inside the
window do we page on through `/{post-id}/comments` (same filter and order, `after` cursor),
and stop once a whole page is older than the window.

Comments arrive on old posts too, so posts are asked from `comment_lookback_days` before the
window (`since`/`until`, Unix seconds); the pages are landed whole and dedupe on (source,
source_id) keeps one copy of what a later window sees again. Comments on posts older than the
look-back are not collected.

`reply_to`: a comment answers its `parent` comment when it has one, else the post it is under
(the post id comes from the enclosing post, or from the `/{post-id}/comments` URL of a landed
follow-up page; a saved `/comments` body alone does not name its post, so `vigie parse` gives
None there). `author_id` is the Graph id of `from` (the Page's own id for its own answers).

Paging follows `paging.cursors.after` (or the query of `paging.next` when an edge pages by
time), re-applied to our own base URL: `paging.next` embeds the access token, and the token
travels only in the Authorization header so it never reaches a URL, a log or a landing file.
Apps set to "Require App Secret" name the secret's variable in `app_secret_env`; each call
then carries `appsecret_proof` (an HMAC of the token), redacted like every query value.

Audience: `/{page-id}?fields=id,name,followers_count,fan_count`. Competitor Pages (`accounts`)
are read the same way, which needs the app's Page Public Metadata Access feature; without it
Graph refuses them and the run says so.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from urllib.parse import parse_qs, quote, unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from connectors.base import (
    AudienceCount,
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    audience_count,
    http_base,
    json_body,
    secret_from_env,
)
from connectors.http import Budget, HttpClient, Page, RequestError, redact
from connectors.paginate import Paginator, Request, dig
from pipelines.errors import ConfigError
from pipelines.settings import ENV_NAME

GRAPH_VERSION = re.compile(r"^v\d{1,2}\.\d$")
GRAPH_ID = re.compile(r"^[A-Za-z0-9.]+$")  # numeric ids, or a Page's username
COMMENT_PAGE = 100  # the largest page Graph serves on /comments
COMMENT_FIELDS = (
    "id,created_time,message,from{id,name},like_count,comment_count,parent{id},permalink_url"
)
POST_FIELDS = (
    "id,created_time,message,story,permalink_url,from{id,name},parent_id,shares,"
    "reactions.summary(total_count).limit(0),"
    f"comments.filter(stream).order(reverse_chronological).limit({COMMENT_PAGE}).summary(true)"
    f"{{{COMMENT_FIELDS}}}"
)
PAGE_FIELDS = "id,name,followers_count,fan_count"
_COMMENT_KEYS = ("parent", "like_count", "comment_count")  # Comment fields a Post never has
GRAPH_HINT = (
    "; Graph API error codes: 190 = the token is expired or invalid, 10 or 200 = a missing "
    "permission (pages_read_engagement, pages_read_user_content), 4, 17, 32 or 613 = rate "
    "limited (the window is left for the next run)"
)


def graph_time(value: Any) -> datetime | None:
    """Graph times look like 2026-11-20T21:40:12+0000."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def graph_records(page: Page) -> tuple[list | None, str | None]:
    """The `data` list of a Graph answer, or a reason why there is none."""
    data, error = json_body(page)
    if error is None and not isinstance(data, dict):
        error = f"response is a JSON {type(data).__name__}, not a Graph API object"
    if error is None and "error" in data:
        error = f"response is an API error: {dig(data, 'error.message') or data['error']}"
    if error is None and not isinstance(data.get("data"), list):
        error = "response has no `data` list"
    return (None, error) if error else (data["data"], None)


def error_item(page: Page, error: str) -> RawItem:
    snippet = page.body[:2000].decode("utf-8", "replace")
    return RawItem({"url": redact(page.url), "body_start": snippet}, error=error)


def with_hint(exc: RequestError, hint: str) -> RequestError:
    if exc.status in (400, 401, 403):
        return RequestError(f"{exc}{hint}", exc.action, exc.status)
    return exc


@dataclass(frozen=True)
class GraphPaginator(Paginator):
    """Graph API paging: more exists only while `paging.next` is given. The cursor
    (`paging.cursors.after`) or, for time-paged edges, the query of `paging.next` is applied
    to our own request, never the `next` URL itself (it carries the access token)."""

    def next(self, request, page, data, records):
        following = dig(data, "paging.next")
        if not records or not isinstance(following, str) or not following:
            return None
        after = dig(data, "paging.cursors.after")
        if isinstance(after, str) and after:
            changes = {"after": after}
        else:
            query = parse_qs(urlsplit(following).query)
            changes = {
                k: v[-1] for k, v in query.items() if k not in ("access_token", "appsecret_proof")
            }
        upcoming = request.with_params(**changes)
        return None if upcoming.params == request.params else upcoming


class GraphParams(BaseModel):
    """What Facebook and Instagram share: the token's variable, the version, the host."""

    model_config = ConfigDict(extra="forbid")

    token_env: str
    # For apps with "Require App Secret": every call then carries appsecret_proof.
    app_secret_env: str | None = None
    api_version: str = "v25.0"
    base_url: str = "https://graph.facebook.com"
    comment_lookback_days: int = Field(default=7, ge=0, le=90)

    @field_validator("token_env", "app_secret_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        if value is not None and not ENV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an environment variable name; put the token in the "
                "environment and name the variable here"
            )
        return value

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not GRAPH_VERSION.match(value):
            raise ValueError(f"expected a Graph API version like 'v25.0', got {value!r}")
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_base(value)


def graph_proof(params: GraphParams) -> dict[str, str]:
    """`appsecret_proof` (HMAC-SHA256 of the token, keyed by the app secret) when the app
    requires it; the secret itself never leaves the process. Query values are redacted from
    errors and landing manifests like every other key."""
    if not params.app_secret_env:
        return {}
    secret = secret_from_env(params.app_secret_env, "Graph API app secret (appsecret_proof)")
    token = secret_from_env(params.token_env, "Graph API access token")
    proof = hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
    return {"appsecret_proof": proof}


class FacebookParams(GraphParams):
    page_id: str
    edge: Literal["feed", "posts"] = "feed"  # feed = the Page's posts + visitors' posts
    comments: bool = True
    page_size: int = Field(default=25, ge=1, le=100)
    token_env: str = "VIGIE_FACEBOOK_PAGE_TOKEN"

    @field_validator("page_id")
    @classmethod
    def _graph_id(cls, value: str) -> str:
        value = value.strip()
        if not GRAPH_ID.match(value):
            raise ValueError(f"expected a Page id (digits) or username, got {value!r}")
        return value


def edge_target(url: str, edge: str) -> str | None:
    """The node id of a `/{version}/{node-id}/{edge}` page, None for any other URL."""
    parts = [unquote(p) for p in urlsplit(url).path.split("/") if p]
    if url.startswith("http") and len(parts) >= 2 and parts[-1] == edge:
        return parts[-2]
    return None


def graph_url(params: GraphParams, *path: str) -> str:
    return "/".join([params.base_url, params.api_version, *(quote(p, safe="") for p in path)])


class _CommentPages(HttpStream):
    """The follow-up `/{post-id}/comments` pages: newest first, so older-than-window stops."""

    name = "facebook"
    paginator = GraphPaginator()
    records_path = "data"

    def record_time(self, record: Any) -> datetime | None:
        return graph_time(record.get("created_time")) if isinstance(record, dict) else None


class FacebookConnector(HttpStream):
    name = "facebook"
    Params = FacebookParams
    paginator = GraphPaginator()
    records_path = "data"
    # Graph's Page rate limit is 4,800 calls per 24 hours times the Page's engaged users, and
    # the app limit 200 calls per hour per user; 200 an hour stays inside both for one token
    # (developers.facebook.com/docs/graph-api/overview/rate-limiting).
    budget = Budget(requests=200, per_seconds=3600)

    def auth_headers(self, params: FacebookParams, http: HttpClient) -> dict[str, str]:
        token = secret_from_env(params.token_env, "Facebook Page access token")
        return {"Authorization": f"Bearer {token}"}

    def request(self, params: FacebookParams, query: Any, window: Window) -> Request:
        lookback = timedelta(days=params.comment_lookback_days if params.comments else 0)
        fields = POST_FIELDS if params.comments else POST_FIELDS.split(",comments.")[0]
        return Request(
            graph_url(params, params.page_id, params.edge),
            {
                "fields": fields,
                "since": int((window.start - lookback).timestamp()),
                "until": int(window.end.timestamp()),
                "limit": params.page_size,
                **graph_proof(params),
            },
        )

    def fetch(self, params: FacebookParams, window: Window, http: HttpClient) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        comments = _CommentPages()
        comments.budget = self.budget
        try:
            for page in self._slice(params, None, window, http, headers):
                yield page
                if params.comments:
                    yield from self._more_comments(params, page, window, http, headers, comments)
        except RequestError as exc:
            raise with_hint(exc, GRAPH_HINT) from None

    def _more_comments(self, params, page: Page, window, http, headers, stream) -> Iterator[Page]:
        """Page on through the comments of posts whose nested first page was not enough."""
        posts, _ = graph_records(page)
        for post in posts or []:
            if not isinstance(post, dict) or not isinstance(post.get("id"), str):
                continue
            nested = post.get("comments") if isinstance(post.get("comments"), dict) else {}
            after = dig(nested, "paging.cursors.after")
            if not dig(nested, "paging.next") or not isinstance(after, str):
                continue
            times = [
                graph_time(c.get("created_time"))
                for c in nested.get("data") or []
                if isinstance(c, dict)
            ]
            known = [t for t in times if t is not None]
            if known and min(known) < window.start:
                continue  # newest first: what is left is older than the window
            request = Request(
                graph_url(params, post["id"], "comments"),
                {
                    "fields": COMMENT_FIELDS,
                    "filter": "stream",
                    "order": "reverse_chronological",
                    "limit": COMMENT_PAGE,
                    "after": after,
                    **graph_proof(params),
                },
                headers,
            )
            yield from stream._paginate(request, window, http)

    # ---- parsing ------------------------------------------------------------------------

    def records(self, data: Any) -> list:
        found = data.get("data") if isinstance(data, dict) else None
        return found if isinstance(found, list) else []

    def items(self, page: Page) -> Iterator[RawItem]:
        records, error = graph_records(page)
        if error:
            yield error_item(page, error)
            return
        post_of_page = edge_target(page.url, "comments")
        for record in records:
            if not isinstance(record, dict):
                yield RawItem(record, error=f"item is a {type(record).__name__}, not an object")
                continue
            if post_of_page is not None:
                yield RawItem({**record, "_post_id": post_of_page})
                continue
            yield RawItem(record)
            nested = dig(record, "comments.data")
            if _is_comment(record) or not isinstance(nested, list):
                continue
            for comment in nested:
                if isinstance(comment, dict):
                    # The enclosing post travels with the comment: it is what it answers.
                    yield RawItem({**comment, "_post_id": record.get("id")})
                else:
                    yield RawItem(
                        comment, error=f"comment is a {type(comment).__name__}, not an object"
                    )

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("item is not an object")
        if "_post_id" in payload or _is_comment(payload):
            return self._comment(payload)
        return self._post(payload)

    def _post(self, post: dict) -> dict[str, Any]:
        post_id = post.get("id")
        if not isinstance(post_id, str) or not post_id:
            raise MalformedItem("post has no id")
        created = post.get("created_time")
        if graph_time(created) is None:
            raise MalformedItem(f"post {post_id}: missing or unparseable created_time {created!r}")
        author = post.get("from") if isinstance(post.get("from"), dict) else {}
        text = post.get("message") or post.get("story") or ""
        return {
            "source_id": post_id,
            "url": post.get("permalink_url") or f"https://www.facebook.com/{post_id}",
            "published_at": created,
            "title": None,
            "text": text.strip() if isinstance(text, str) else "",
            "author_id": author.get("id"),
            "author_name": author.get("name"),
            "author_followers": None,
            "lang": None,
            "likes": count(dig(post, "reactions.summary.total_count")),
            "shares": count(dig(post, "shares.count")),
            "comments": count(dig(post, "comments.summary.total_count")),
            # A post that shares another post names it in parent_id.
            "is_repost": bool(post.get("parent_id")),
            "reply_to": None,
        }

    def _comment(self, comment: dict) -> dict[str, Any]:
        comment_id = comment.get("id")
        if not isinstance(comment_id, str) or not comment_id:
            raise MalformedItem(
                "comment has no id (Graph withholds comment ids from tokens "
                "that cannot moderate the Page)"
            )
        created = comment.get("created_time")
        if graph_time(created) is None:
            raise MalformedItem(
                f"comment {comment_id}: missing or unparseable created_time {created!r}"
            )
        author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
        parent = dig(comment, "parent.id")
        post_id = comment.get("_post_id")
        text = comment.get("message")
        return {
            "source_id": comment_id,
            "url": comment.get("permalink_url"),
            "published_at": created,
            "title": None,
            "text": text.strip() if isinstance(text, str) else "",
            "author_id": author.get("id"),
            "author_name": author.get("name"),
            "author_followers": None,
            "lang": None,
            "likes": count(comment.get("like_count")),
            "shares": None,
            "comments": count(comment.get("comment_count")),
            "is_repost": False,
            "reply_to": parent if isinstance(parent, str) and parent else post_id or None,
        }

    # ---- audience -----------------------------------------------------------------------

    def fetch_audience(
        self, params: FacebookParams, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        for page_id in dict.fromkeys([params.page_id, *(a.strip() for a in accounts)]):
            if not GRAPH_ID.match(page_id):
                raise ConfigError(f"facebook: {page_id!r} is not a Page id or username")
            try:
                yield http.get(
                    graph_url(params, page_id),
                    params={"fields": PAGE_FIELDS, **graph_proof(params)},
                    headers=headers,
                    budget=self.budget,
                )
            except RequestError as exc:
                raise with_hint(exc, GRAPH_HINT) from None

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        data, error = json_body(page)
        if error:
            raise MalformedItem(error)
        if not isinstance(data, dict) or "error" in data:
            raise MalformedItem("the answer is not a Page object")
        # followers_count is what the Page shows today; fan_count (likes) for older Pages.
        followers = data.get("followers_count", data.get("fan_count"))
        yield audience_count(data.get("id"), data.get("name"), followers, page.fetched_at)


def _is_comment(record: dict) -> bool:
    return any(key in record for key in _COMMENT_KEYS)
