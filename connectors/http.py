"""The one HTTP policy every connector shares: timeouts, retries, rate limits, URL safety.

What to do about a failed request is decided in one table (status -> action), in the style
of Airbyte's error handlers, so every source fails, retries and waits the same way and says
why in the same words. Redirects are followed by hand so that every hop passes the
URL-safety check: a feed that redirects to 169.254.169.254 must not reach the cloud metadata
service.
"""

from __future__ import annotations

import ipaddress
import random
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from pipelines.errors import SourceError

USER_AGENT = "Vigie/0.1 (+open-source social listening; https://github.com/vigie-listening/vigie)"
MAX_REDIRECTS = 5
MAX_WAIT_SECONDS = 900.0
# Header spellings of the common rate-limit conventions (lookups are case-insensitive):
# GitHub/Reddit/Mastodon "X-RateLimit-*", X "x-rate-limit-*", the IETF draft "RateLimit-*".
RESET_HEADERS = ("X-RateLimit-Reset", "X-Rate-Limit-Reset", "RateLimit-Reset")
REMAINING_HEADERS = ("X-RateLimit-Remaining", "X-Rate-Limit-Remaining", "RateLimit-Remaining")
CREDENTIAL_HEADERS = ("Authorization", "Cookie", "Proxy-Authorization")


class UnsafeURLError(SourceError):
    """A URL we refuse to fetch: not http(s), or pointing inside the network."""


class Action(StrEnum):
    RETRY = "retry"
    RATE_LIMITED = "rate-limited"
    FAIL = "fail"
    CONFIG = "configuration error"


@dataclass(frozen=True)
class Rule:
    action: Action
    hint: str


ERROR_TABLE: dict[int | str, Rule] = {
    400: Rule(Action.FAIL, "the API rejected the request parameters"),
    401: Rule(Action.CONFIG, "check the credentials: token missing, wrong or expired"),
    403: Rule(Action.CONFIG, "access denied: check the credentials and the app's permissions"),
    404: Rule(Action.FAIL, "not found: check the id, handle or URL in the watchlist"),
    408: Rule(Action.RETRY, "the server timed out"),
    429: Rule(Action.RATE_LIMITED, "rate limited by the API"),
    500: Rule(Action.RETRY, "server error"),
    502: Rule(Action.RETRY, "bad gateway"),
    503: Rule(Action.RETRY, "service unavailable"),
    504: Rule(Action.RETRY, "gateway timeout"),
    "timeout": Rule(Action.RETRY, "no answer within the timeout"),
    "connection": Rule(Action.RETRY, "connection failed"),
}


def rule_for(status: int | str) -> Rule:
    """The table's rule; unknown 4xx fail, unknown 5xx are retried."""
    if status in ERROR_TABLE:
        return ERROR_TABLE[status]
    if isinstance(status, int) and status >= 500:
        return Rule(Action.RETRY, "server error")
    return Rule(Action.FAIL, "unexpected answer")


class RequestError(SourceError):
    """A request that failed for good; `action` says whether it is a config or API problem."""

    def __init__(self, message: str, action: Action, status: int | None = None) -> None:
        super().__init__(message)
        self.action = action
        self.status = status
        if action is Action.CONFIG:
            self.exit_code = 2


@dataclass(frozen=True)
class Page:
    """One response body exactly as the API sent it, with what is needed to parse it later."""

    url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: datetime
    headers: dict[str, str] = field(default_factory=dict, compare=False)


def redact(url: str) -> str:
    """Drop query string values and credentials: API keys often travel there."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    query = "&".join(f"{kv.split('=', 1)[0]}=…" for kv in parts.query.split("&") if kv)
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def check_url(url: str, allow_hosts: frozenset[str] = frozenset()) -> None:
    """Refuse non-http(s) schemes and hosts that resolve to private, loopback or link-local IPs."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise UnsafeURLError(f"refusing {redact(url)}: only http and https URLs are fetched")
    host = parts.hostname
    if not host:
        raise UnsafeURLError(f"refusing {url!r}: no host")
    if host in allow_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise SourceError(f"cannot resolve {host}: {exc.strerror}") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global or ip.is_multicast:
            raise UnsafeURLError(
                f"refusing {redact(url)}: {host} resolves to non-public address {ip} "
                "(add the host to http.allow_hosts only if you really mean it)"
            )


@dataclass
class Budget:
    """At most `requests` per `per_seconds`, per source and process: we stay inside each
    API's published limits instead of finding them with 429s."""

    requests: int
    per_seconds: float
    clock: Callable[[], float] = time.monotonic
    _sent: deque[float] = field(default_factory=deque, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def wait_time(self) -> float:
        now = self.clock()
        while self._sent and now - self._sent[0] >= self.per_seconds:
            self._sent.popleft()
        if len(self._sent) < self.requests:
            return 0.0
        return self.per_seconds - (now - self._sent[0])

    def take(self, sleep: Callable[[float], None]) -> None:
        with self._lock:
            while (wait := self.wait_time()) > 0:
                sleep(wait)
            self._sent.append(self.clock())


def _seconds_until(header: str | None, now: float) -> float | None:
    """A wait in seconds from Retry-After (seconds or HTTP date) or a rate-limit reset
    (epoch seconds as X and GitHub send, seconds to wait as Reddit sends, or an ISO 8601
    time as Mastodon sends)."""
    if not header:
        return None
    try:
        value = float(header)
    except ValueError:
        when = None
        for parse in (parsedate_to_datetime, _iso_time):
            try:
                when = parse(header)
                break
            except (TypeError, ValueError, IndexError):
                continue
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return max((when - datetime.now(UTC)).total_seconds(), 0.0)
    return max(value - now, 0.0) if value > 1e9 else max(value, 0.0)


def _detail(response: requests.Response) -> str:
    """A short excerpt of an error body: APIs put the actionable reason there
    (YouTube's `commentsDisabled`, `quotaExceeded`)."""
    text = " ".join(response.content[:300].decode("utf-8", "replace").split())
    return f": {text[:200]}" if text else ""


def _iso_time(text: str) -> datetime:
    return datetime.fromisoformat(text.strip().replace("Z", "+00:00"))


def _header(headers: dict | requests.structures.CaseInsensitiveDict, *names: str) -> str | None:
    for name in names:
        value = headers.get(name)
        if value is not None:
            return value
    return None


def _with_params(url: str, params: dict | None) -> str:
    prepared = requests.models.PreparedRequest()
    prepared.prepare_url(url, params)
    return prepared.url or url


@dataclass
class HttpClient:
    """A requests session with our policy; connectors never create their own."""

    timeout: float = 20.0
    retries: int = 4
    backoff: float = 1.0
    allow_hosts: frozenset[str] = frozenset()
    session: requests.Session = field(default_factory=requests.Session)
    sleep: Callable[[float], None] = time.sleep
    _resume_at: dict[str, float] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = USER_AGENT

    def get(
        self,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        budget: Budget | None = None,
    ) -> Page:
        return self.request("GET", url, params=params, headers=headers, budget=budget)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict | None = None,
        headers: dict | None = None,
        data: dict | None = None,
        json: dict | None = None,
        auth: tuple[str, str] | None = None,
        budget: Budget | None = None,
    ) -> Page:
        """One logical request: retried per the error table, then a Page or a RequestError."""
        host = urlsplit(url).netloc
        for attempt in range(self.retries + 1):
            self._respect_rate_limit(host)
            if budget:
                budget.take(self.sleep)
            response, problem = self._send(method, url, params, headers, data, json, auth)
            status = response.status_code if response is not None else problem
            if response is not None:
                self._note_rate_limit(host, response)
                if response.status_code < 400 and not response.is_redirect:
                    return Page(
                        url=response.url,
                        status=response.status_code,
                        content_type=response.headers.get("Content-Type", ""),
                        body=response.content,
                        fetched_at=datetime.now(UTC),
                        headers=dict(response.headers),
                    )
            rule = rule_for(status)
            reason = (
                f"HTTP {status} {response.reason}{_detail(response)}"
                if response is not None
                else str(status)
            )
            where = f"{method} {redact(_with_params(url, params))}"
            if rule.action in (Action.FAIL, Action.CONFIG):
                code = response.status_code if response is not None else None
                raise RequestError(
                    f"{where}: {reason} ({rule.action}: {rule.hint})", rule.action, code
                )
            if attempt == self.retries:
                raise RequestError(
                    f"{where}: {reason} ({rule.hint}), gave up after {attempt + 1} tries",
                    rule.action,
                    response.status_code if response is not None else None,
                )
            self.sleep(self._delay(response, attempt))
            self._resume_at.pop(host, None)  # that wait already covered the announced reset
        raise AssertionError("unreachable")

    def _delay(self, response: requests.Response | None, attempt: int) -> float:
        """Retry-After or the rate-limit reset when the server gives one; else backoff+jitter."""
        if response is not None:
            told = _seconds_until(
                _header(response.headers, "Retry-After", *RESET_HEADERS), time.time()
            )
            if told is not None:
                return min(told, MAX_WAIT_SECONDS)
        exponential = self.backoff * (2**attempt)
        return exponential * (0.5 + random.random() / 2)  # jitter spreads retries apart

    def _note_rate_limit(self, host: str, response: requests.Response) -> None:
        remaining = _header(response.headers, *REMAINING_HEADERS)
        try:
            exhausted = remaining is not None and float(remaining) < 1
        except ValueError:
            exhausted = False
        if exhausted:
            reset = _seconds_until(_header(response.headers, *RESET_HEADERS), time.time())
            if reset:
                self._resume_at[host] = time.monotonic() + min(reset, MAX_WAIT_SECONDS)

    def _respect_rate_limit(self, host: str) -> None:
        wait = self._resume_at.pop(host, 0.0) - time.monotonic()
        if wait > 0:
            self.sleep(wait)

    def _send(self, method, url, params, headers, data, json, auth):
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, self.allow_hosts)
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    headers=headers,
                    data=data,
                    json=json,
                    auth=auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout:
                return None, "timeout"
            except requests.ConnectionError:
                return None, "connection"
            if response.is_redirect and "Location" in response.headers:
                target = urljoin(response.url, response.headers["Location"])
                if urlsplit(target).netloc != urlsplit(url).netloc:
                    # Credentials are for the host they were meant for, not wherever it points.
                    headers = {
                        k: v
                        for k, v in (headers or {}).items()
                        if k.title() not in CREDENTIAL_HEADERS
                    }
                    auth = None
                url = target
                params = None
                if response.status_code in (301, 302, 303):
                    method, data, json = "GET", None, None
                continue
            return response, None
        raise RequestError(
            f"{method} {redact(url)}: more than {MAX_REDIRECTS} redirects", Action.FAIL
        )
