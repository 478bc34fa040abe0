"""LinkedIn (owned channel): an organization's posts and the comments on them, through the
Community Management API (`api.linkedin.com/rest`, versioned by the `LinkedIn-Version` header,
Rest.li protocol 2.0.0, a member token with `r_organization_social` on the organization).

- `/rest/posts?author={orgUrn}&q=author&sortBy=CREATED`: newest first; paging stops once a
  whole page is older than the window minus `comment_lookback_days` (comments keep arriving
  on older posts). Drafts come back too and are quarantined with their state as the reason.
- `/rest/socialActions/{postUrn}/comments` for each published post in that range, and
  `/rest/socialActions/{commentUrn}/comments` for each comment that has replies.

Listings page by `start`/`count` until a short page or `paging.total`; a
`metadata.paginationToken`, when the answer carries one, is sent back with the next page.

`reply_to`: a reply names its `parentComment`; a top-level comment answers the post whose
comments URL found it (a comment's own `object` is the post's activity URN, not the share or
ugcPost URN that is the post's source_id, so it is only the fallback for a saved body read by
`vigie parse`). `author_id` is the raw URN of the author or actor: `urn:li:organization:...`
for the brand's own posts and answers, `urn:li:person:...` for members.

Counts: comments carry their likes and replies inline. Posts do not: LinkedIn keeps post
counts behind `/rest/socialActions/{urn}`, a separate answer, and a landed page is parsed on
its own, so post mentions have no likes/comments counts here.

Audience: `/rest/networkSizes/{orgUrn}?edgeType=COMPANY_FOLLOWED_BY_MEMBER` ->
`firstDegreeSize`, for the organization and each organization in `accounts` (member URNs
there are skipped: the endpoint counts organizations). The answer does not name the
organization; its URL does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote, urlsplit

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

ORG_URN = re.compile(r"^urn:li:organization:\d+$")
VERSION = re.compile(r"^20\d{2}(0[1-9]|1[0-2])$")
FEED_URL = "https://www.linkedin.com/feed/update/"
COUNTED_EDGE = "COMPANY_FOLLOWED_BY_MEMBER"
# "little" text: mentions @[Name](urn), hashtags {hashtag|\#|tag}, backslash-escaped specials.
_MENTION = re.compile(r"@\[((?:\\.|[^\]\\])*)\]\(urn:li:[^)]+\)")
_HASHTAG = re.compile(r"\{hashtag\|\\?#\|((?:\\.|[^}\\])*)\}")
_ESCAPED = re.compile(r"\\([|{}@\[\]()<>#\\*_~])")
HINT = (
    "; LinkedIn answers 401 for an expired or revoked token, 403 when the member is not an "
    "admin of the organization or the app lacks r_organization_social, and 426 when the "
    "LinkedIn-Version is no longer served (set `version` to a recent YYYYMM)"
)


def little_text(value: Any) -> str:
    """Plain text from LinkedIn's "little" commentary format."""
    if not isinstance(value, str):
        return ""
    text = _MENTION.sub(lambda m: m.group(1), value)
    text = _HASHTAG.sub(lambda m: "#" + m.group(1), text)
    return _ESCAPED.sub(r"\1", text).strip()


def org_urn(value: str) -> str:
    """`urn:li:organization:123` from the URN or the bare numeric id."""
    value = value.strip()
    urn = f"urn:li:organization:{value}" if value.isdigit() else value
    if not ORG_URN.match(urn):
        raise ValueError(
            f"expected an organization URN (urn:li:organization:123) or id, got {value!r}"
        )
    return urn


def _epoch_ms(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


class LinkedInParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization: str
    version: str = "202610"  # LinkedIn-Version, YYYYMM; LinkedIn serves about a year back
    comments: bool = True
    replies: bool = True
    comment_lookback_days: int = Field(default=7, ge=0, le=90)
    page_size: int = Field(default=50, ge=1, le=100)
    token_env: str = "VIGIE_LINKEDIN_TOKEN"
    base_url: str = "https://api.linkedin.com"

    @field_validator("organization")
    @classmethod
    def _urn(cls, value: str) -> str:
        return org_urn(value)

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not VERSION.match(value.strip()):
            raise ValueError(f"expected a LinkedIn-Version like '202610' (YYYYMM), got {value!r}")
        return value.strip()

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an environment variable name; put the token in the "
                "environment and name the variable here"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return http_base(value)


@dataclass(frozen=True)
class RestliPaginator(Paginator):
    """`start`/`count` paging: the end is a short page or `paging.total`; a
    `metadata.paginationToken` is passed back when the answer gives one."""

    def next(self, request, page, data, records):
        size = int(request.params.get("count", 10))
        if not records or len(records) < size:
            return None
        following = int(request.params.get("start", 0)) + size
        total = dig(data, "paging.total")
        if isinstance(total, int) and following >= total:
            return None
        token = dig(data, "metadata.paginationToken")
        return request.with_params(start=following, paginationToken=token or None)


class _Listing(HttpStream):
    name = "linkedin"
    paginator = RestliPaginator()
    records_path = "elements"

    def record_time(self, record: Any) -> datetime | None:
        if not isinstance(record, dict):
            return None
        return _epoch_ms(record.get("publishedAt") or record.get("createdAt"))


class _Comments(_Listing):
    def record_time(self, record: Any) -> datetime | None:
        return None  # no documented order: every page is read


def _target(url: str) -> str | None:
    """The post or comment URN of a `/rest/socialActions/{urn}/comments` page."""
    parts = urlsplit(url).path.split("/")
    if (
        url.startswith("http")
        and len(parts) >= 3
        and parts[-3:][::2] == ["socialActions", "comments"]
    ):
        return unquote(parts[-2])
    return None


def _is_post(record: dict) -> bool:
    return any(key in record for key in ("commentary", "lifecycleState", "author"))


class LinkedInConnector(HttpStream):
    name = "linkedin"
    Params = LinkedInParams
    paginator = RestliPaginator()
    records_path = "elements"
    # LinkedIn publishes per-app and per-member daily limits in each app's developer portal,
    # not one number; 100 calls a minute keeps a busy organization well inside the usual ones.
    budget = Budget(requests=100, per_seconds=60)

    def auth_headers(self, params: LinkedInParams, http: HttpClient) -> dict[str, str]:
        token = secret_from_env(params.token_env, "LinkedIn access token (r_organization_social)")
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": params.version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _stream(self, cls: type[_Listing]) -> _Listing:
        stream = cls()
        stream.budget = self.budget
        return stream

    def fetch(self, params: LinkedInParams, window: Window, http: HttpClient) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        lookback = timedelta(days=params.comment_lookback_days if params.comments else 0)
        since = window.start - lookback
        posts = Request(
            f"{params.base_url}/rest/posts",
            {
                "author": params.organization,
                "q": "author",
                "count": params.page_size,
                "sortBy": "CREATED",
            },
            headers,
        )
        try:
            for page in self._stream(_Listing)._paginate(posts, Window(since, window.end), http):
                yield page
                if params.comments:
                    yield from self._comments_of(params, page, since, window, http, headers)
        except RequestError as exc:
            if exc.status in (401, 403, 426):
                raise RequestError(f"{exc}{HINT}", exc.action, exc.status) from None
            raise

    def _comments_of(self, params, page: Page, since, window, http, headers) -> Iterator[Page]:
        data, _ = json_body(page)
        comments = self._stream(_Comments)
        for post in self.records(data):
            if not isinstance(post, dict) or post.get("lifecycleState", "PUBLISHED") != "PUBLISHED":
                continue
            published = _epoch_ms(post.get("publishedAt") or post.get("createdAt"))
            if not isinstance(post.get("id"), str) or published is None or published < since:
                continue
            for listed in comments._paginate(
                self._comments(params, post["id"], headers), window, http
            ):
                yield listed
                if params.replies:
                    yield from self._replies(params, listed, window, http, headers, comments)

    def _replies(self, params, page: Page, window, http, headers, stream) -> Iterator[Page]:
        data, _ = json_body(page)
        for comment in self.records(data):
            urn = _comment_urn(comment) if isinstance(comment, dict) else None
            if urn and _count(dig(comment, "commentsSummary.aggregatedTotalComments")):
                yield from stream._paginate(self._comments(params, urn, headers), window, http)

    def _comments(self, params: LinkedInParams, target: str, headers) -> Request:
        url = f"{params.base_url}/rest/socialActions/{quote(target, safe='')}/comments"
        return Request(url, {"count": params.page_size}, headers)

    # ---- parsing ------------------------------------------------------------------------

    def records(self, data: Any) -> list:
        found = data.get("elements") if isinstance(data, dict) else None
        return found if isinstance(found, list) else []

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = json_body(page)
        if error is None and not isinstance(data, dict):
            error = f"response is a JSON {type(data).__name__}, not a LinkedIn collection"
        if error is None and "elements" not in data and "message" in data:
            error = f"response is an API error: {data.get('message')}"
        if error is None and not isinstance(data.get("elements"), list):
            error = "response has no `elements` list"
        if error:
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem({"url": redact(page.url), "body_start": snippet}, error=error)
            return
        target = _target(page.url)
        for record in data["elements"]:
            if not isinstance(record, dict):
                yield RawItem(record, error=f"item is a {type(record).__name__}, not an object")
            elif target is not None:
                yield RawItem({**record, "_target": target})  # what this comment was found under
            else:
                yield RawItem(record)

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("item is not an object")
        if "_target" not in payload and _is_post(payload):
            return self._post(payload)
        return self._comment(payload)

    def _post(self, post: dict) -> dict[str, Any]:
        urn = post.get("id")
        if not isinstance(urn, str) or not urn.startswith("urn:li:"):
            raise MalformedItem("post has no URN id")
        state = post.get("lifecycleState", "PUBLISHED")
        if state != "PUBLISHED":
            raise MalformedItem(f"post {urn} is {state}, not published")
        published = post.get("publishedAt") or post.get("createdAt")
        if _epoch_ms(published) is None:
            raise MalformedItem(f"post {urn}: missing or invalid publishedAt {published!r}")
        article = dig(post, "content.article") if isinstance(post.get("content"), dict) else None
        title = article.get("title") if isinstance(article, dict) else None
        return {
            "source_id": urn,
            "url": f"{FEED_URL}{urn}/",
            "published_at": published,
            "title": title or None,
            "text": little_text(post.get("commentary")) or (title or ""),
            "author_id": post.get("author"),
            "author_name": None,  # the post names its author only by URN
            "author_followers": None,
            "lang": None,
            "likes": None,  # counts live behind /rest/socialActions, a separate answer
            "shares": None,
            "comments": None,
            "is_repost": isinstance(post.get("reshareContext"), dict),
            "reply_to": None,
        }

    def _comment(self, comment: dict) -> dict[str, Any]:
        urn = _comment_urn(comment)
        if urn is None:
            raise MalformedItem("comment has no commentUrn, $URN or object and id")
        created = dig(comment, "created.time")
        if _epoch_ms(created) is None:
            raise MalformedItem(f"comment {urn}: missing or invalid created.time {created!r}")
        text = dig(comment, "message.text")
        on = comment.get("object") if isinstance(comment.get("object"), str) else None
        parent = comment.get("parentComment")
        answered = parent if isinstance(parent, str) and parent else comment.get("_target") or on
        return {
            "source_id": urn,
            "url": f"{FEED_URL}{on}/" if on else None,  # the post page the comment is on
            "published_at": created,
            "title": None,
            "text": little_text(text),
            "author_id": comment.get("actor"),
            "author_name": None,
            "author_followers": None,
            "lang": None,
            "likes": _count(dig(comment, "likesSummary.totalLikes")),
            "shares": None,
            "comments": _count(dig(comment, "commentsSummary.aggregatedTotalComments")),
            "is_repost": False,
            "reply_to": answered or None,
        }

    # ---- audience -----------------------------------------------------------------------

    def fetch_audience(
        self, params: LinkedInParams, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        # Member URNs (a community manager answering as themselves) have no follower count
        # here: networkSizes counts organizations only.
        wanted = [a for a in accounts if not a.strip().startswith("urn:li:person:")]
        try:
            urns = [params.organization, *(org_urn(a) for a in wanted)]
        except ValueError as exc:
            raise ConfigError(f"linkedin: {exc}") from None
        for urn in dict.fromkeys(urns):
            try:
                yield http.get(
                    f"{params.base_url}/rest/networkSizes/{quote(urn, safe='')}",
                    params={"edgeType": COUNTED_EDGE},
                    headers=headers,
                    budget=self.budget,
                )
            except RequestError as exc:
                if exc.status in (401, 403, 426):
                    raise RequestError(f"{exc}{HINT}", exc.action, exc.status) from None
                raise

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        data, error = json_body(page)
        if error:
            raise MalformedItem(error)
        if not isinstance(data, dict) or "firstDegreeSize" not in data:
            raise MalformedItem("the answer has no firstDegreeSize")
        parts = urlsplit(page.url).path.split("/")
        urn = unquote(parts[-1]) if len(parts) >= 2 and parts[-2] == "networkSizes" else None
        if not urn or not ORG_URN.match(urn):
            raise MalformedItem("a networkSizes answer names no organization; its URL must")
        yield audience_count(urn, None, data["firstDegreeSize"], page.fetched_at)


def _comment_urn(comment: dict) -> str | None:
    for key in ("commentUrn", "$URN"):
        value = comment.get(key)
        if isinstance(value, str) and value.startswith("urn:li:comment:"):
            return value
    on, ident = comment.get("object"), comment.get("id")
    if isinstance(on, str) and on and isinstance(ident, str) and ident:
        return f"urn:li:comment:({on},{ident})"
    return None
