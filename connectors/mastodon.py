"""Mastodon statuses: hashtag timelines, full-text search and account statuses (competitors).

One instance per source entry (`base_url`). None of these endpoints filter by time, so every
listing is read newest first and paging stops once a whole page is older than the window
(`record_time`). Pages that straddle the window edges are landed whole, as the API sent them.

Boosts: a boost is a status of its own (own id, the booster as `account`, its own
`created_at`) wrapping the boosted status in `reblog`, with empty `content`. We keep the
boost's id, author, followers, time and engagement (what the boost itself did: who spread
it, to how many followers, when) and take the text, title, language and permalink from the
boosted status, so near-duplicate clustering folds the boost into the original's cluster
and adds the booster's audience to its reach without counting the original's likes twice.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from connectors.base import (
    AudienceCount,
    HttpStream,
    MalformedItem,
    Window,
    audience_count,
    html_to_text,
    http_base,
    json_body,
    non_blank,
    secret_from_env,
)
from connectors.http import Budget, HttpClient, Page
from connectors.paginate import MaxIdPaginator, Paginator, Request
from pipelines.errors import SourceError
from pipelines.settings import ENV_NAME

PAGE_SIZE = 40  # the documented maximum for timelines, account statuses and search


class MastodonParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    base_url: str = "https://mastodon.social"
    hashtags: list[str] = []  # without '#'; one timeline per tag
    search: list[str] = []  # full-text queries: need a user token with read:search
    accounts: list[str] = []  # competitor accounts, "name" or "name@instance"
    account: str | None = None  # the brand's own account, for follower counts only
    token_env: str = "VIGIE_MASTODON_TOKEN"

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return http_base(value)

    @field_validator("hashtags", "search", "accounts")
    @classmethod
    def _no_blanks(cls, values: list[str]) -> list[str]:
        return non_blank(values)

    @field_validator("hashtags")
    @classmethod
    def _no_hash(cls, values: list[str]) -> list[str]:
        return [v.lstrip("#") for v in values]

    @field_validator("accounts")
    @classmethod
    def _no_at(cls, values: list[str]) -> list[str]:
        return [v.lstrip("@") for v in values]

    @field_validator("account")
    @classmethod
    def _own_account(cls, value: str | None) -> str | None:
        if value is None:
            return None
        return non_blank([value.lstrip("@")])[0]

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(f"{value!r} is not an environment variable name")
        return value

    @model_validator(mode="after")
    def _something_to_read(self) -> MastodonParams:
        if not (self.hashtags or self.search or self.accounts):
            raise ValueError("give at least one of hashtags, search or accounts")
        return self


@dataclass(frozen=True)
class Query:
    """One request chain: a hashtag, a search or an account (its id is looked up first)."""

    kind: str  # "tag" | "search" | "account"
    value: str
    account_id: str | None = None


@dataclass(frozen=True)
class OffsetPaginator(Paginator):
    """`offset=limit, 2*limit, ...` until an empty page: Mastodon's status search.

    The step is the requested `limit`, not the number of statuses returned: the server drops
    filtered statuses after applying limit/offset, so a short page is not the end, and
    stepping by what came back would read the same results again.
    """

    param: str = "offset"
    limit_param: str = "limit"

    def next(self, request, page, data, records):
        if not records:
            return None
        current = int(request.params.get(self.param, 0))
        return request.with_params(**{self.param: current + int(request.params[self.limit_param])})


@dataclass(frozen=True)
class ByEndpoint(Paginator):
    """Search pages by offset; timelines and account statuses by `max_id`.

    Search results come newest first (ordered by id), but the server turns a search `max_id`
    into a `before:` filter at one-second precision, which would skip statuses posted in the
    same second as a page's oldest; offsets do not (they need the user token search needs).
    """

    search: Paginator
    listing: Paginator

    def next(self, request, page, data, records):
        chosen = self.search if request.url.endswith("/api/v2/search") else self.listing
        return chosen.next(request, page, data, records)


def _count(value: Any) -> int | None:
    """A usable count or None: forks report hidden counts as -1 and that must not quarantine
    the whole status."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _author_id(account: dict) -> str | None:
    """`user@domain` for everyone: local accounts' `acct` has no domain, so two instances
    would otherwise give the same person two ids (and different people the same one)."""
    acct = account.get("acct") or account.get("username")
    if not isinstance(acct, str) or not acct:
        return str(account["id"]) if account.get("id") else None
    if "@" in acct:
        return acct
    host = urlsplit(account.get("url") or "").hostname
    return f"{acct}@{host}" if host else acct


class MastodonConnector(HttpStream):
    name = "mastodon"
    Params = MastodonParams
    paginator = ByEndpoint(search=OffsetPaginator(), listing=MaxIdPaginator())
    # Mastodon's Rack::Attack allows 300 API calls per 5 minutes per IP or token, but only
    # 300 *paging* calls (max_id/since_id/min_id) per 15 minutes, and most of our calls page.
    # 300 per 15 minutes in all keeps us inside both (docs.joinmastodon.org/api/rate-limits/,
    # config/initializers/rack_attack.rb).
    budget = Budget(requests=300, per_seconds=900)

    def queries(self, params: MastodonParams) -> list[Query]:
        return (
            [Query("tag", tag) for tag in params.hashtags]
            + [Query("search", q) for q in params.search]
            + [Query("account", acct) for acct in params.accounts]
        )

    def auth_headers(self, params: MastodonParams, http: HttpClient) -> dict[str, str]:
        """Search needs a user token (without one, instances return no statuses at all, which
        would look like silence); timelines use one when it is set."""
        if params.search:
            token = secret_from_env(
                params.token_env, "mastodon search needs a user access token with read:search"
            )
        else:
            token = os.environ.get(params.token_env, "").strip()
        return {"Authorization": f"Bearer {token}"} if token else {}

    def fetch(self, params: MastodonParams, window: Window, http: HttpClient) -> Iterator[Page]:
        headers = self.auth_headers(params, http)
        for query in self.queries(params):
            if query.kind == "account":
                query = replace(query, account_id=self._lookup(params, query.value, http, headers))
            yield from self._slice(params, query, window, http, headers)

    def _lookup(self, params: MastodonParams, acct: str, http: HttpClient, headers) -> str:
        """The instance-local id of an account (a 404 fails the run, naming the URL)."""
        page = http.get(
            f"{params.base_url}/api/v1/accounts/lookup",
            params={"acct": acct},
            headers=headers or None,
            budget=self.budget,
        )
        data, error = json_body(page)
        account_id = data.get("id") if isinstance(data, dict) else None
        if error or not account_id:
            raise SourceError(
                f"mastodon: looking up {acct!r} gave no account id ({error or 'no id'})"
            )
        return str(account_id)

    def request(self, params: MastodonParams, query: Query, window: Window) -> Request:
        base = params.base_url
        if query.kind == "tag":
            return Request(
                f"{base}/api/v1/timelines/tag/{quote(query.value, safe='')}", {"limit": PAGE_SIZE}
            )
        if query.kind == "search":
            return Request(
                f"{base}/api/v2/search",
                {"q": query.value, "type": "statuses", "limit": PAGE_SIZE},
            )
        return Request(
            f"{base}/api/v1/accounts/{quote(str(query.account_id), safe='')}/statuses",
            {"limit": PAGE_SIZE},
        )

    def records(self, data: Any) -> list:
        """Timelines answer with a list of statuses; search with {accounts, statuses, hashtags}."""
        if isinstance(data, list):
            return data
        if isinstance(data, dict) and isinstance(data.get("statuses"), list):
            return data["statuses"]
        return []

    def record_time(self, record: Any) -> datetime | None:
        return _time(record.get("created_at")) if isinstance(record, dict) else None

    def to_mention(self, payload: Any) -> dict[str, Any]:
        if not isinstance(payload, dict):
            raise MalformedItem("status is not an object")
        status_id = payload.get("id")
        if not isinstance(status_id, str | int) or isinstance(status_id, bool) or status_id == "":
            raise MalformedItem("status has no id")
        created = payload.get("created_at")
        if not created:
            raise MalformedItem(f"status {status_id} has no created_at")
        account = payload.get("account")
        if not isinstance(account, dict):
            raise MalformedItem(f"status {status_id} has no account")
        boosted = payload.get("reblog") if isinstance(payload.get("reblog"), dict) else None
        shown = boosted or payload  # whose words, language and page we keep
        spoiler_text = shown.get("spoiler_text")  # plain text, unlike content
        spoiler = " ".join(spoiler_text.split()) if isinstance(spoiler_text, str) else ""
        spoiler = spoiler or None
        text = html_to_text(shown.get("content"))
        if not text:  # a picture-only post: its alt texts are the words it carries
            alts = [
                m.get("description")
                for m in shown.get("media_attachments") or []
                if isinstance(m, dict) and m.get("description")
            ]
            text = " ".join(alts) or spoiler or ""
        return {
            "source_id": str(status_id),
            "url": shown.get("url") or shown.get("uri") or payload.get("url"),
            "published_at": created,
            "title": spoiler,
            "text": text,
            "author_id": _author_id(account),
            "author_name": account.get("display_name") or account.get("acct"),
            "author_followers": _count(account.get("followers_count")),
            "lang": shown.get("language"),
            "likes": _count(payload.get("favourites_count")),
            "shares": _count(payload.get("reblogs_count")),
            "comments": _count(payload.get("replies_count")),
            "is_repost": boosted is not None,
            # The boost itself answers nothing; a reply names its parent, same instance ids.
            "reply_to": str(payload["in_reply_to_id"]) if payload.get("in_reply_to_id") else None,
        }

    # ---- audience -----------------------------------------------------------------------

    def fetch_audience(
        self, params: MastodonParams, accounts: list[str], http: HttpClient
    ) -> Iterator[Page]:
        """`accounts/lookup` for the brand's `account` and each of `accounts` (the watchlist's
        accounts on Mastodon): the Account it returns carries `followers_count`."""
        token = os.environ.get(params.token_env, "").strip()  # lookups are public
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        wanted = [params.account, *(a.strip().lstrip("@") for a in accounts)]
        for acct in dict.fromkeys(a for a in wanted if a):
            yield http.get(
                f"{params.base_url}/api/v1/accounts/lookup",
                params={"acct": acct},
                headers=headers or None,
                budget=self.budget,
            )

    def audience_counts(self, page: Page) -> Iterator[AudienceCount]:
        data, error = json_body(page)
        if error:
            raise MalformedItem(error)
        if not isinstance(data, dict) or "error" in data:
            raise MalformedItem("the answer is not a Mastodon Account")
        who = _author_id(data)  # user@domain, as to_mention gives author_id
        if data.get("followers_count") == -1:
            raise MalformedItem(f"account {who} hides its follower count")
        name = data.get("display_name") or data.get("acct")
        yield audience_count(who, name, data.get("followers_count"), page.fetched_at)
