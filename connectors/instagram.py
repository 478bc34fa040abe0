"""Instagram (owned channel): the business or creator account's media and the comments under
them, and recent media for brand hashtags, through the Instagram Graph API (Facebook Login,
graph.facebook.com, the same Graph conventions as connectors.facebook).

- `/{ig-user-id}/media`: newest first, no time filter; paging stops once a whole page is older
  than the window minus `comment_lookback_days`, since comments keep arriving on older posts.
- `/{ig-media-id}/comments` for each of those media that has comments, with `media{id}`,
  `parent_id` and the nested `replies`, so every comment names what it answers without the
  request that found it. Replies beyond the first nested page are not paged (one more call per
  comment); the comment's own count still says how many there are.
- `ig_hashtag_search?user_id=&q=` turns a brand hashtag into its id (not landed: it holds no
  post), then `/{hashtag-id}/recent_media` (the last 24 hours, newest first) or `top_media`.
  Instagram allows 30 distinct hashtags per account per 7 days, so at most 30 are accepted.
  Hashtag media carry no author: Instagram does not expose who posted them.

`reply_to`: a comment answers its `parent_id` comment when it is a reply, else its media.
`author_id` is the media `owner.id` (the IG user id) and the comment's `from.id`.

Audience: `/{ig-user-id}?fields=id,username,name,followers_count` for the account (and any
other numeric id in `accounts`, which the token must manage), and competitors' business or
creator accounts, named by username, through `business_discovery.username(...)`, one call
each. `account_id` is always the numeric IG user id, also for competitors found by username.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from connectors.base import (
    AudienceCount,
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    audience_count,
    json_body,
    non_blank,
    secret_from_env,
)
from connectors.facebook import (
    GRAPH_HINT,
    GraphPaginator,
    GraphParams,
    count,
    edge_target,
    error_item,
    graph_proof,
    graph_records,
    graph_time,
    graph_url,
    with_hint,
)
from connectors.http import Budget, HttpClient, Page, RequestError
from connectors.paginate import Request, dig
from pipelines.errors import ConfigError, SourceError

MAX_HASHTAGS = 30  # distinct hashtags per account per 7 days
_DIGITS = re.compile(r"^\d+$")
_USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,username,owner,"
    "like_count,comments_count"
)
HASHTAG_MEDIA_FIELDS = "id,caption,media_type,permalink,timestamp,like_count,comments_count"
REPLY_FIELDS = "id,text,timestamp,username,from,like_count,parent_id"
COMMENT_FIELDS = f"{REPLY_FIELDS},media{{id}},replies{{{REPLY_FIELDS}}}"
ACCOUNT_FIELDS = "id,username,name,followers_count"
_MEDIA_KEYS = ("media_type", "caption", "permalink", "comments_count")  # never on a comment
IG_HINT = GRAPH_HINT + (
    "; hashtag search needs the instagram_basic permission and allows 30 hashtags per 7 days"
)


class InstagramParams(GraphParams):
    ig_user_id: str
    media: bool = True  # the account's own media (and their comments)
    comments: bool = True
    hashtags: list[str] = Field(default_factory=list)  # brand hashtags, without '#'
    hashtag_edge: Literal["recent_media", "top_media"] = "recent_media"
    page_size: int = Field(default=25, ge=1, le=100)
    token_env: str = "VIGIE_INSTAGRAM_TOKEN"

    @field_validator("ig_user_id")
    @classmethod
    def _numeric(cls, value: str) -> str:
        value = value.strip()
        if not _DIGITS.match(value):
            raise ValueError(
                f"expected the numeric Instagram business account id (from /me/accounts?"
                f"fields=instagram_business_account), got {value!r}"
            )
        return value

    @field_validator("hashtags")
    @classmethod
    def _tags(cls, values: list[str]) -> list[str]:
        tags = list(dict.fromkeys(v.lstrip("#").lower() for v in non_blank(values)))
        if len(tags) > MAX_HASHTAGS:
            raise ValueError(f"Instagram allows {MAX_HASHTAGS} hashtags per 7 days")
        return tags

    @model_validator(mode="after")
    def _something_to_read(self) -> InstagramParams:
        if not (self.media or self.hashtags):
            raise ValueError("give media: true or at least one hashtag")
        return self


class _GraphList(HttpStream):
    """A Graph `data` listing read newest first (media, recent hashtag media)."""

    name = "instagram"
    paginator = GraphPaginator()
    records_path = "data"

    def record_time(self, record: Any) -> datetime | None:
        return graph_time(record.get("timestamp")) if isinstance(record, dict) else None


class _Unordered(_GraphList):
    """Comments and top media: no promised order, so paging never stops on time."""

    def record_time(self, record: Any) -> datetime | None:
        return None


class InstagramConnector(HttpStream):
    name = "instagram"
    Params = InstagramParams
    paginator = GraphPaginator()
    records_path = "data"
    # Instagram Platform: 200 calls per hour times the account's impressions, per the Graph
    # Business Use Case limits; 200 an hour is the floor (developers.facebook.com/docs/
    # graph-api/overview/rate-limiting#instagram).
    budget = Budget(requests=200, per_seconds=3600)

    def auth_headers(self, params: InstagramParams, http: HttpClient) -> dict[str, str]:
        token = secret_from_env(params.token_env, "Instagram Graph API access token")
        return {"Authorization": f"Bearer {token}"}

    def _stream(self, cls: type[_GraphList]) -> _GraphList:
        stream = cls()
        stream.budget = self.budget
        return stream

    def fetch(self, params: InstagramParams, window: Window, http: HttpClient) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        try:
            if params.media:
                yield from self._media(params, window, http, headers)
            for tag in params.hashtags:
                yield from self._hashtag(params, tag, window, http, headers)
        except RequestError as exc:
            raise with_hint(exc, IG_HINT) from None

    def _media(self, params: InstagramParams, window: Window, http, headers) -> Iterator[Page]:
        lookback = timedelta(days=params.comment_lookback_days if params.comments else 0)
        since = window.start - lookback
        request = Request(
            graph_url(params, params.ig_user_id, "media"),
            {"fields": MEDIA_FIELDS, "limit": params.page_size, **graph_proof(params)},
            headers,
        )
        comments = self._stream(_Unordered)
        for page in self._stream(_GraphList)._paginate(request, Window(since, window.end), http):
            yield page
            if not params.comments:
                continue
            media, _ = graph_records(page)
            for item in media or []:
                if not isinstance(item, dict) or not _DIGITS.match(str(item.get("id", ""))):
                    continue
                published = graph_time(item.get("timestamp"))
                if not count(item.get("comments_count")) or published is None or published < since:
                    continue
                ask = Request(
                    graph_url(params, str(item["id"]), "comments"),
                    {"fields": COMMENT_FIELDS, "limit": 50, **graph_proof(params)},
                    headers,
                )
                yield from comments._paginate(ask, window, http)

    def _hashtag(self, params: InstagramParams, tag: str, window: Window, http, headers):
        found = http.get(
            graph_url(params, "ig_hashtag_search"),
            params={"user_id": params.ig_user_id, "q": tag, **graph_proof(params)},
            headers=headers,
            budget=self.budget,
        )
        records, error = graph_records(found)
        hashtag_id = records[0].get("id") if records and isinstance(records[0], dict) else None
        if error or not isinstance(hashtag_id, str) or not _DIGITS.match(hashtag_id):
            raise SourceError(
                f"instagram: hashtag search for #{tag} gave no id ({error or 'none'})"
            )
        request = Request(
            graph_url(params, hashtag_id, params.hashtag_edge),
            {
                "user_id": params.ig_user_id,
                "fields": HASHTAG_MEDIA_FIELDS,
                "limit": 50,
                **graph_proof(params),
            },
            headers,
        )
        stream = _GraphList if params.hashtag_edge == "recent_media" else _Unordered
        yield from self._stream(stream)._paginate(request, window, http)

    # ---- parsing ------------------------------------------------------------------------

    def records(self, data: Any) -> list:
        found = data.get("data") if isinstance(data, dict) else None
        return found if isinstance(found, list) else []

    def items(self, page: Page) -> Iterator[RawItem]:
        records, error = graph_records(page)
        if error:
            yield error_item(page, error)
            return
        media_of_page = edge_target(page.url, "comments")
        for record in records:
            if not isinstance(record, dict):
                yield RawItem(record, error=f"item is a {type(record).__name__}, not an object")
                continue
            if _is_media(record):
                yield RawItem(record)
                continue
            media_id = dig(record, "media.id") or media_of_page
            yield RawItem({**record, "_media_id": media_id} if media_id else record)
            replies = dig(record, "replies.data")
            for reply in replies if isinstance(replies, list) else []:
                if isinstance(reply, dict):
                    context = {"_parent_id": record.get("id"), "_media_id": media_id}
                    yield RawItem({**reply, **context})
                else:
                    yield RawItem(reply, error=f"reply is a {type(reply).__name__}, not an object")

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("item is not an object")
        return self._media_item(payload) if _is_media(payload) else self._comment(payload)

    def _media_item(self, media: dict) -> dict[str, Any]:
        media_id = media.get("id")
        if not isinstance(media_id, str) or not media_id:
            raise MalformedItem("media has no id")
        published = media.get("timestamp")
        if graph_time(published) is None:
            raise MalformedItem(f"media {media_id}: missing or unparseable timestamp {published!r}")
        caption = media.get("caption")
        return {
            "source_id": media_id,
            "url": media.get("permalink"),
            "published_at": published,
            "title": None,
            "text": caption.strip() if isinstance(caption, str) else "",
            # owner is only given to the account that posted it; hashtag media have neither.
            "author_id": dig(media, "owner.id"),
            "author_name": media.get("username"),
            "author_followers": None,
            "lang": None,
            "likes": count(media.get("like_count")),  # absent when the owner hides likes
            "shares": None,
            "comments": count(media.get("comments_count")),
            "is_repost": False,
            "reply_to": None,
        }

    def _comment(self, comment: dict) -> dict[str, Any]:
        comment_id = comment.get("id")
        if not isinstance(comment_id, str) or not comment_id:
            raise MalformedItem("comment has no id")
        published = comment.get("timestamp")
        if graph_time(published) is None:
            raise MalformedItem(
                f"comment {comment_id}: missing or unparseable timestamp {published!r}"
            )
        author = comment.get("from") if isinstance(comment.get("from"), dict) else {}
        parent = comment.get("parent_id") or comment.get("_parent_id")
        media_id = dig(comment, "media.id") or comment.get("_media_id")
        replies = dig(comment, "replies.data")
        if dig(comment, "replies.paging.next"):
            replies = None  # only the first page of replies is here: its length is no count
        text = comment.get("text")
        return {
            "source_id": comment_id,
            "url": None,  # the API gives comments no permalink
            "published_at": published,
            "title": None,
            "text": text.strip() if isinstance(text, str) else "",
            "author_id": author.get("id"),
            "author_name": comment.get("username") or author.get("username"),
            "author_followers": None,
            "lang": None,
            "likes": count(comment.get("like_count")),
            "shares": None,
            "comments": len(replies) if isinstance(replies, list) else None,
            "is_repost": False,
            "reply_to": parent or media_id or None,
        }

    # ---- audience -----------------------------------------------------------------------

    def fetch_audience(
        self, params: InstagramParams, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        """The account itself, other accounts the token manages by numeric id, and other
        business/creator accounts (competitors) by username through business_discovery."""
        headers = self.auth_headers(params, http)
        wanted = list(dict.fromkeys(a.strip().lstrip("@") for a in accounts))
        bad = [a for a in wanted if not _USERNAME.match(a)]
        if bad:
            raise ConfigError(f"instagram: {bad} are neither Instagram user ids nor usernames")
        ids = [i for i in dict.fromkeys([params.ig_user_id, *wanted]) if _DIGITS.match(i)]
        asks = [(graph_url(params, i), ACCOUNT_FIELDS) for i in ids] + [
            (
                graph_url(params, params.ig_user_id),
                f"business_discovery.username({u}){{{ACCOUNT_FIELDS}}}",
            )
            for u in wanted
            if not _DIGITS.match(u)
        ]
        try:
            for url, fields in asks:
                query = {"fields": fields, **graph_proof(params)}
                yield http.get(url, params=query, headers=headers, budget=self.budget)
        except RequestError as exc:
            raise with_hint(exc, IG_HINT) from None

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        data, error = json_body(page)
        if error:
            raise MalformedItem(error)
        if not isinstance(data, dict) or "error" in data:
            raise MalformedItem("the answer is not an Instagram user object")
        account = data.get("business_discovery", data)
        if not isinstance(account, dict):
            raise MalformedItem("business_discovery is not an object")
        name = account.get("username") or account.get("name")
        yield audience_count(
            account.get("id"), name, account.get("followers_count"), page.fetched_at
        )


def _is_media(record: dict) -> bool:
    return any(key in record for key in _MEDIA_KEYS)
