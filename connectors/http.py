"""The one HTTP policy every connector shares: timeouts, retries, an honest User-Agent, URL safety.

Redirects are followed by hand so that every hop passes the URL-safety check; a feed that
redirects to 169.254.169.254 must not reach the cloud metadata service.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests

from pipelines.errors import SourceError

USER_AGENT = "Vigie/0.1 (+open-source social listening; https://github.com/vigie-listening/vigie)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER_SECONDS = 300.0


class UnsafeURLError(SourceError):
    """A URL we refuse to fetch: not http(s), or pointing inside the network."""


@dataclass(frozen=True)
class Page:
    """One response body exactly as the API sent it, with what is needed to parse it later."""

    url: str
    status: int
    content_type: str
    body: bytes
    fetched_at: datetime


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


def _retry_delay(response: requests.Response | None, attempt: int, backoff: float) -> float:
    if response is not None:
        header = response.headers.get("Retry-After")
        if header:
            try:
                return min(float(header), MAX_RETRY_AFTER_SECONDS)
            except ValueError:
                try:
                    when = parsedate_to_datetime(header)
                    wait = (when - datetime.now(UTC)).total_seconds()
                    return min(max(wait, 0.0), MAX_RETRY_AFTER_SECONDS)
                except (TypeError, ValueError):
                    pass
    return backoff * (2**attempt)


@dataclass
class HttpClient:
    """A requests session with our policy; connectors never create their own."""

    timeout: float = 20.0
    retries: int = 4
    backoff: float = 1.0
    allow_hosts: frozenset[str] = frozenset()
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.headers["User-Agent"] = USER_AGENT

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None) -> Page:
        for attempt in range(self.retries + 1):
            response, error = self._get_following_redirects(url, params, headers)
            retryable = error is not None or response.status_code in RETRY_STATUSES
            if not retryable:
                break
            if attempt == self.retries:
                reason = error or f"HTTP {response.status_code} {response.reason}"
                raise SourceError(f"GET {redact(url)} failed after {attempt + 1} tries: {reason}")
            time.sleep(_retry_delay(response, attempt, self.backoff))
        if response.status_code >= 400:
            raise SourceError(
                f"GET {redact(url)} answered HTTP {response.status_code} {response.reason}"
            )
        return Page(
            url=response.url,
            status=response.status_code,
            content_type=response.headers.get("Content-Type", ""),
            body=response.content,
            fetched_at=datetime.now(UTC),
        )

    def _get_following_redirects(
        self, url: str, params: dict | None, headers: dict | None
    ) -> tuple[requests.Response | None, str | None]:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, self.allow_hosts)
            try:
                response = self.session.get(
                    url,
                    params=params,
                    headers=headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                return None, type(exc).__name__
            if response.is_redirect and "Location" in response.headers:
                url = urljoin(response.url, response.headers["Location"])
                params = None
                continue
            return response, None
        raise SourceError(f"GET {redact(url)}: more than {MAX_REDIRECTS} redirects")
