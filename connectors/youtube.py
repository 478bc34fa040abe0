"""YouTube Data API v3: comments on watched videos and channels, and new videos from search.

Two endpoints, so two small streams that `YouTubeConnector.fetch` runs one after the other:

- `commentThreads` for configured videos (`videoId=`) and channels
  (`allThreadsRelatedToChannelId=`). The endpoint has no time filter, so threads are asked
  newest first (`order=time`) and paging stops once a whole page is older than the window.
- `search` for brand queries (`q=`) and for the new uploads of competitors' channels
  (`channelId=`), restricted to the window with `publishedAfter`/`publishedBefore`.

Both page with `nextPageToken` -> `pageToken`. Every landed page is parsed by the same
`items`/`to_mention`, which tell the two shapes apart by their `kind`, so `vigie parse` takes
either kind of saved response.

Replies (`replies.comments` of a thread) become mentions of their own: a complaint is as often
a reply as a top-level comment, a reply has its own id and its own `&lc=` permalink, and a
community manager answers replies too. The thread carries at most a handful of replies (the
full list needs `comments.list?parentId=`, one more call per thread); we take what the thread
gives and do not spend quota on the rest.

`reply_to`: a reply answers its `snippet.parentId` (the top-level comment). A top-level comment
answers its video: `reply_to` is the video id, which is the video's own source_id when search
has stored it; when it has not (a watched video found by id only), the reference simply has no
row, like a Facebook comment on a post older than the collected range. Comments on a channel
itself (no video) and videos answer nothing (None).

Audience: `channels.list?part=snippet,statistics&id=` (50 ids a call, 1 quota unit) for the
brand's channels (`comments_on_channels`) and `accounts` (ids, or `@handles` through
`forHandle=`, one call each). Channels that hide their subscriber count are left out.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.base import (
    AudienceCount,
    Connector,
    HttpStream,
    MalformedItem,
    RawItem,
    Window,
    audience_count,
    html_to_text,
    http_base,
    json_body,
    secret_from_env,
)
from connectors.http import Action, Budget, HttpClient, Page, RequestError, redact
from connectors.paginate import PageTokenPaginator, Request, dig
from pipelines.errors import ConfigError
from pipelines.settings import ENV_NAME

WATCH_URL = "https://www.youtube.com/watch"
CHANNEL_URL = "https://www.youtube.com/channel/"
_ID = re.compile(r"^[A-Za-z0-9_-]+$")
# Markup that only an HTML-format `textDisplay` carries; plain text is left to html.unescape so
# that a comment like "a<b and c>d" keeps its words.
_MARKUP = re.compile(r"<br\s*/?>|</[a-z]+\s*>|<a\s+href=", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
DAY = 86_400.0


def plain_text(value: Any) -> str:
    """YouTube text as plain text: markup stripped when there is some, entities decoded."""
    if not isinstance(value, str) or not value.strip():
        return ""
    if _MARKUP.search(value):
        return html_to_text(value)
    return _SPACES.sub(" ", html.unescape(value)).strip()


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _watch(video_id: str, comment_id: str | None = None) -> str:
    query = {"v": video_id} if comment_id is None else {"v": video_id, "lc": comment_id}
    return f"{WATCH_URL}?{urlencode(query)}"


@dataclass
class DailyQuota(Budget):
    """A `Budget` over a day that refuses instead of sleeping.

    YouTube counts quota per day (reset at midnight Pacific time). Sleeping until a call
    frees up would hold the whole collect run for hours, so an exhausted budget fails the
    window with a clear reason; the window stays un-landed and the next run collects it.
    Like every `Budget` it counts this process's calls only.
    """

    endpoint: str = ""

    def take(self, sleep: Callable[[float], None]) -> None:
        with self._lock:
            if self.wait_time() > 0:
                raise RequestError(
                    f"YouTube {self.endpoint}: this run has used its budget of "
                    f"{self.requests} calls per day; the window is left for the next run",
                    Action.RATE_LIMITED,
                )
            self._sent.append(self.clock())


class YouTubeParams(BaseModel):
    """What to watch. Ids are YouTube's own (video ids, `UC...` channel ids), not URLs."""

    model_config = ConfigDict(extra="forbid")

    comments_on_videos: list[str] = []  # commentThreads?videoId=
    comments_on_channels: list[str] = []  # commentThreads?allThreadsRelatedToChannelId=
    search_queries: list[str] = []  # search?q=&type=video
    uploads_of_channels: list[str] = []  # search?channelId=&type=video (competitors' videos)
    relevance_language: str | None = Field(default=None, pattern=r"^[a-zA-Z]{2,3}(-\w+)?$")
    region_code: str | None = Field(default=None, pattern=r"^[A-Za-z]{2}$")
    api_key_env: str = "VIGIE_YOUTUBE_API_KEY"
    base_url: str = "https://www.googleapis.com"

    @field_validator("comments_on_videos", "comments_on_channels", "uploads_of_channels")
    @classmethod
    def _are_ids(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if not _ID.match(v)]
        if bad:
            raise ValueError(f"expected YouTube ids (letters, digits, - and _), got {bad}")
        return values

    @field_validator("search_queries")
    @classmethod
    def _not_blank(cls, values: list[str]) -> list[str]:
        if any(not v.strip() for v in values):
            raise ValueError("search queries must not be blank")
        return values

    @field_validator("api_key_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(
                f"{value!r} is not an environment variable name; put the key in the "
                "environment and name the variable here"
            )
        return value

    @field_validator("base_url")
    @classmethod
    def _is_http(cls, value: str) -> str:
        return http_base(value)

    @model_validator(mode="after")
    def _watches_something(self) -> YouTubeParams:
        if not (
            self.comments_on_videos
            or self.comments_on_channels
            or self.search_queries
            or self.uploads_of_channels
        ):
            raise ValueError(
                "give at least one of comments_on_videos, comments_on_channels, "
                "search_queries, uploads_of_channels"
            )
        return self


class _YouTubeStream(HttpStream):
    """What both endpoints share: the API key in the query, items under `items`, page tokens."""

    name = "youtube"
    Params = YouTubeParams
    paginator = PageTokenPaginator()
    records_path = "items"
    endpoint: ClassVar[str]

    def _request(self, params: YouTubeParams, query: dict[str, Any]) -> Request:
        # The API takes the key only as the `key` query parameter; the client redacts query
        # values from every error message and the landing manifest.
        key = secret_from_env(params.api_key_env, "YouTube Data API key")
        url = f"{params.base_url}/youtube/v3/{self.endpoint}"
        return Request(url=url, params={**query, "key": key})


class CommentThreads(_YouTubeStream):
    """`commentThreads.list`: 1 quota unit per call, 100 threads per page, no time filter.

    Budget: 4,000 calls a day. The default project quota is 10,000 units a day
    (https://developers.google.com/youtube/v3/determine_quota_cost); 4,000 units here plus
    50 searches (5,000 units where search costs 100 units) leaves 1,000 units of headroom
    for anything else using the same key.
    """

    endpoint = "commentThreads"
    budget = DailyQuota(requests=4_000, per_seconds=DAY, endpoint="commentThreads")

    def queries(self, params: YouTubeParams) -> list[tuple[str, str]]:
        return [("videoId", v) for v in params.comments_on_videos] + [
            ("allThreadsRelatedToChannelId", c) for c in params.comments_on_channels
        ]

    def request(self, params: YouTubeParams, query: tuple[str, str], window: Window) -> Request:
        field, value = query
        return self._request(
            params,
            {
                "part": "snippet,replies",
                field: value,
                "order": "time",
                "maxResults": 100,
                "textFormat": "plainText",
            },
        )

    def record_time(self, record: Any) -> datetime | None:
        return _when(dig(record, "snippet.topLevelComment.snippet.publishedAt"))


class VideoSearch(_YouTubeStream):
    """`search.list` for videos: 50 results per page, the window as published bounds.

    Budget: 50 calls a day. Google's quota table prices search at 100 units of the 10,000
    daily units on older pages and as its own bucket of 100 calls a day on newer ones
    (https://developers.google.com/youtube/v3/determine_quota_cost); 50 calls fits either
    reading alongside the comment budget.
    """

    endpoint = "search"
    budget = DailyQuota(requests=50, per_seconds=DAY, endpoint="search")

    def queries(self, params: YouTubeParams) -> list[tuple[str, str]]:
        return [("q", q) for q in params.search_queries] + [
            ("channelId", c) for c in params.uploads_of_channels
        ]

    def request(self, params: YouTubeParams, query: tuple[str, str], window: Window) -> Request:
        field, value = query
        wanted: dict[str, Any] = {
            "part": "snippet",
            field: value,
            "type": "video",
            "order": "date",
            # Both bounds are inclusive at the API; a video published exactly at the window
            # end lands in two windows and dedupe on (source, source_id) keeps one.
            "publishedAfter": _rfc3339(window.start),
            "publishedBefore": _rfc3339(window.end),
            "maxResults": 50,
        }
        if params.relevance_language:
            wanted["relevanceLanguage"] = params.relevance_language
        if params.region_code:
            wanted["regionCode"] = params.region_code.upper()
        return self._request(params, wanted)


QUOTA_HINT = (
    "; YouTube answers 403 when the project's daily quota is used up (quotaExceeded), "
    "when comments are disabled on a watched video (commentsDisabled), or when the key is not "
    "enabled for the YouTube Data API v3"
)


class YouTubeConnector(Connector):
    name = "youtube"
    Params = YouTubeParams
    streams: ClassVar[tuple[_YouTubeStream, ...]] = (CommentThreads(), VideoSearch())
    # channels.list costs 1 unit; audience snapshots run once a day with a handful of calls.
    audience_budget: ClassVar[Budget] = DailyQuota(
        requests=100, per_seconds=DAY, endpoint="channels"
    )

    def fetch(self, params: YouTubeParams, window: Window, http: HttpClient) -> Iterator[Page]:
        try:
            for stream in self.streams:
                yield from stream.fetch(params, window, http)
        except RequestError as exc:
            if exc.status == 403:
                raise RequestError(f"{exc}{QUOTA_HINT}", exc.action, exc.status) from None
            raise

    def fetch_audience(
        self, params: YouTubeParams, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        """Subscriber counts of the brand's channels (`comments_on_channels`) and `accounts`."""
        wanted = [a.strip() for a in accounts]
        handles = [a for a in wanted if a.startswith("@")]
        bad = [a for a in wanted if not a.startswith("@") and not _ID.match(a)]
        bad += [h for h in handles if not _ID.match(h[1:].replace(".", "_"))]
        if bad:
            raise ConfigError(f"youtube: {bad} are neither channel ids nor @handles")
        ids = list(
            dict.fromkeys(
                [*params.comments_on_channels, *(a for a in wanted if not a.startswith("@"))]
            )
        )
        key = secret_from_env(params.api_key_env, "YouTube Data API key")
        url = f"{params.base_url}/youtube/v3/channels"
        asks = [{"id": ",".join(ids[i : i + 50])} for i in range(0, len(ids), 50)]
        asks += [{"forHandle": h} for h in dict.fromkeys(handles)]
        try:
            for ask in asks:
                query = {"part": "snippet,statistics", **ask, "maxResults": 50, "key": key}
                yield http.get(url, params=query, budget=self.audience_budget)
        except RequestError as exc:
            if exc.status == 403:
                raise RequestError(f"{exc}{QUOTA_HINT}", exc.action, exc.status) from None
            raise

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        data, error = json_body(page)
        if error:
            raise MalformedItem(error)
        if not isinstance(data, dict) or "error" in data:
            raise MalformedItem("the answer is not a channels list")
        channels = data.get("items", [])
        if not isinstance(channels, list):
            raise MalformedItem("`items` is not a list")
        counts = []
        for channel in channels:
            if not isinstance(channel, dict):
                raise MalformedItem(f"channel is a {type(channel).__name__}, not an object")
            if dig(channel, "statistics.hiddenSubscriberCount") is True:
                continue  # the owner hides it: unknown, not zero
            counts.append(
                audience_count(
                    channel.get("id"),
                    plain_text(dig(channel, "snippet.title")),
                    dig(channel, "statistics.subscriberCount"),  # a string in the API
                    page.fetched_at,
                )
            )
        yield from counts

    def items(self, page: Page) -> Iterator[RawItem]:
        data, error = json_body(page)
        if error is None and not isinstance(data, dict):
            error = f"response is a JSON {type(data).__name__}, not a YouTube list response"
        if error is None and "error" in data:
            error = f"response is an API error: {dig(data, 'error.message') or data['error']}"
        if error is None and not isinstance(data.get("items", []), list):
            error = "`items` is not a list"
        if error:
            snippet = page.body[:2000].decode("utf-8", "replace")
            yield RawItem({"url": redact(page.url), "body_start": snippet}, error=error)
            return
        for record in data.get("items", []):
            if not isinstance(record, dict):
                yield RawItem(record, error=f"item is a {type(record).__name__}, not an object")
                continue
            yield RawItem(record)
            if record.get("kind") == "youtube#commentThread":
                yield from self._replies(record)

    def _replies(self, thread: dict) -> Iterator[RawItem]:
        replies = dig(thread, "replies.comments")
        if not isinstance(replies, list):
            return
        context = {
            "id": thread.get("id"),
            "videoId": dig(thread, "snippet.videoId"),
            "channelId": dig(thread, "snippet.channelId"),
        }
        for reply in replies:
            if isinstance(reply, dict):
                # The thread's video and channel travel with the reply for its permalink.
                yield RawItem({**reply, "_thread": context})
            else:
                yield RawItem(reply, error=f"reply is a {type(reply).__name__}, not an object")

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("item is not an object")
        kind = payload.get("kind")
        if kind == "youtube#commentThread":
            return self._thread(payload)
        if kind == "youtube#comment":
            return self._comment(payload, payload.get("_thread") or {}, replies=None)
        if kind == "youtube#searchResult":
            return self._video(payload)
        raise MalformedItem(f"unexpected item kind {kind!r}")

    def _thread(self, thread: dict) -> dict[str, Any]:
        snippet = thread.get("snippet") or {}
        top = snippet.get("topLevelComment")
        if not isinstance(top, dict):
            raise MalformedItem(f"comment thread {thread.get('id')!r} has no topLevelComment")
        # The top-level comment's id is the thread's id; either one names the comment.
        top = {**top, "id": top.get("id") or thread.get("id")}
        context = {"videoId": snippet.get("videoId"), "channelId": snippet.get("channelId")}
        return self._comment(top, context, replies=snippet.get("totalReplyCount"))

    def _comment(self, comment: dict, thread: dict, *, replies: Any) -> dict[str, Any]:
        comment_id = comment.get("id")
        if not comment_id or not isinstance(comment_id, str):
            raise MalformedItem("comment has no id")
        snippet = comment.get("snippet")
        if not isinstance(snippet, dict):
            raise MalformedItem(f"comment {comment_id} has no snippet")
        published = snippet.get("publishedAt")
        if not published:
            raise MalformedItem(f"comment {comment_id} has no publishedAt")
        if _when(published) is None:
            raise MalformedItem(f"comment {comment_id}: unparseable publishedAt {published!r}")
        video_id = snippet.get("videoId") or thread.get("videoId")
        channel_id = snippet.get("channelId") or thread.get("channelId")
        if video_id:
            url = _watch(video_id, comment_id)
        elif channel_id:
            url = CHANNEL_URL + channel_id  # a comment on the channel itself, not on a video
        else:
            raise MalformedItem(f"comment {comment_id} names neither a video nor a channel")
        # We ask for textFormat=plainText; textOriginal is only given to the comment's author.
        text = plain_text(snippet.get("textDisplay")) or plain_text(snippet.get("textOriginal"))
        return {
            "source_id": comment_id,
            "url": url,
            "published_at": published,
            "title": None,
            "text": text,
            "author_id": dig(snippet, "authorChannelId.value"),
            "author_name": snippet.get("authorDisplayName"),
            "author_followers": None,
            "lang": None,
            "likes": snippet.get("likeCount"),
            "shares": None,
            "comments": replies,
            "is_repost": False,
            # A reply names its top-level comment; a top-level comment answers its video.
            "reply_to": snippet.get("parentId") or video_id or None,
        }

    def _video(self, result: dict) -> dict[str, Any]:
        ident = result.get("id")
        if not isinstance(ident, dict):
            raise MalformedItem("search result has no id object")
        if ident.get("kind", "youtube#video") != "youtube#video":
            raise MalformedItem(f"search result is a {ident.get('kind')}, not a video")
        video_id = ident.get("videoId")
        if not video_id or not isinstance(video_id, str):
            raise MalformedItem("search result has no id.videoId")
        snippet = result.get("snippet")
        if not isinstance(snippet, dict):
            raise MalformedItem(f"video {video_id} has no snippet")
        published = snippet.get("publishedAt")
        if _when(published) is None:
            raise MalformedItem(f"video {video_id}: missing or unparseable publishedAt")
        # search.list escapes titles and descriptions as HTML (&#39;, &amp;) even in JSON.
        title = plain_text(snippet.get("title"))
        description = plain_text(snippet.get("description"))
        return {
            "source_id": video_id,
            "url": _watch(video_id),
            "published_at": published,
            "title": title or None,
            "text": description or title,
            "author_id": snippet.get("channelId"),
            "author_name": plain_text(snippet.get("channelTitle")) or None,
            "author_followers": None,
            "lang": None,
            # search.list carries no statistics; videos.list would cost another call per page.
            "likes": None,
            "shares": None,
            "comments": None,
            "is_repost": False,
            "reply_to": None,
        }
