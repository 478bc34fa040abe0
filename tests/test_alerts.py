"""Alerts: rendering with hostile posts, and delivery to real receivers on 127.0.0.1.

Receivers are http.server threads (a Standard Webhooks verifier, a Slack-compatible sink,
flaky and broken endpoints) and an aiosmtpd SMTP server; incidents live in a real DuckDB file.
"""

from __future__ import annotations

import base64
import email
import hashlib
import hmac
import json
import logging
import re
import secrets
import smtplib
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email import policy
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from connectors.http import HttpClient
from pipelines import db
from pipelines.alerts import (
    deliver_digest,
    deliver_pending,
    message_id,
    render_alert,
    render_digest,
    sign,
    summarize,
)
from pipelines.errors import ConfigError
from pipelines.settings import Watchlist

NOW = datetime(2026, 11, 21, 8, 0)
DAY = date(2026, 11, 20)
HOSTILE_TEXT = (
    "<script>alert(1)</script> <@channel> <!here> @here Tom & Jerry "
    "<https://evil.example|click me> \x1b[31mred\x07 \u202eevil\u202c\r\nsecond line"
)

# --------------------------------------------------------------------------------------------
# Receivers
# --------------------------------------------------------------------------------------------

Responder = Callable[[str, dict[str, str], bytes], tuple[int, bytes]]


@dataclass
class Receiver:
    url: str
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)


@contextmanager
def receiver(respond: Responder) -> Iterator[Receiver]:
    """An HTTP server on 127.0.0.1 that records every POST and answers with `respond`."""
    box: list[Receiver] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            box[0].requests.append((self.path, headers, body))
            status, reply = respond(self.path, headers, body)
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    box.append(Receiver(f"http://127.0.0.1:{server.server_address[1]}"))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()


def ok(_path: str, _headers: dict[str, str], _body: bytes) -> tuple[int, bytes]:
    return 200, b"ok"


def verifies(secret: str, tolerance: int = 300) -> Responder:
    """A Standard Webhooks receiver written from the spec, independently of pipelines.alerts."""
    key = base64.b64decode(secret.removeprefix("whsec_"))

    def respond(_path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        msg_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "")
        if not msg_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > tolerance:
            return 401, b"stale or missing timestamp"
        mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
        expected = base64.b64encode(mac).decode()
        offered = [
            s.split(",", 1)[1]
            for s in headers.get("webhook-signature", "").split()
            if s.startswith("v1,")
        ]
        if not any(hmac.compare_digest(expected, sig) for sig in offered):
            return 401, b"bad signature"
        return 204, b""

    return respond


# --------------------------------------------------------------------------------------------
# Store, watchlist, client
# --------------------------------------------------------------------------------------------


def explanation(text: str = "The battery of my Velora caught fire", url: str | None = None):
    return {
        "window": {"start": "2026-11-20T14:00:00Z", "end": "2026-11-20T20:00:00Z"},
        "volume": {"mentions": 120, "negative": 96, "baseline": 14.5},
        "negative_share": {"now": 0.8, "before": 0.2},
        "top_terms": [["battery", 40], ["fire", 31], ["<b>recall</b>", 9]],
        "top_hashtags": [["#VeloraRecall", 22]],
        "sources": [["x", 50], ["reddit", 30]],
        "samples": [
            {
                "text": text,
                "url": url or "https://x.com/someone/status/1?a=1&b=2",
                "source": "x",
                "author": "@someone",
                "reach": 12000,
                "published_at": "2026-11-20T15:02:00+00:00",
            },
            {
                "text": "Recall now!",
                "url": "https://reddit.com/r/bikes/1",
                "source": "reddit",
                "author": "u/joe",
                "reach": 300,
            },
        ],
    }


def add_incident(con, incident_id: str, start: datetime, exp: dict | None = None) -> None:
    con.execute(
        """
        insert into incidents values (
            $id, 'Velora', 'negative', $start, $start + interval 6 hour,
            $start + interval 2 hour, 120, 14.5, 9.12, $exp::json, null, $start, $start
        )
        """,
        {"id": incident_id, "start": start, "exp": json.dumps(exp or explanation())},
    )


def delivery(con, incident_id: str) -> dict[str, Any]:
    row = con.execute(
        "select delivery from incidents where incident_id = $id", {"id": incident_id}
    ).fetchone()
    return json.loads(row[0]) if row[0] else {}


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "v.duckdb")
    yield connection
    connection.close()


def watchlist(*channels: dict[str, Any], locale: str = "en") -> Watchlist:
    return Watchlist.model_validate(
        {"locale": locale, "alerts": {"channels": list(channels)}, "http": {"retries": 2}}
    )


def client(sleeps: list[float] | None = None) -> HttpClient:
    """Our HTTP policy with short backoff; waits are recorded instead of slept."""
    waits = sleeps if sleeps is not None else []
    return HttpClient(
        timeout=5, retries=2, backoff=0.5, allow_hosts=frozenset({"127.0.0.1"}), sleep=waits.append
    )


def signed_hook(name: str) -> dict[str, str]:
    return {"type": "webhook", "name": name, "url_env": "HOOK_URL", "secret_env": "HOOK_SECRET"}


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


# --------------------------------------------------------------------------------------------
# Standard Webhooks
# --------------------------------------------------------------------------------------------


def test_signature_matches_the_specification_test_vector():
    # The example published with the Standard Webhooks specification.
    body = b'{"test": 2432232314}'
    signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body
    )
    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signed_webhook_is_verified_by_the_receiver(con, monkeypatch):
    secret = new_secret()
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    with receiver(verifies(secret)) as hook:
        monkeypatch.setenv("HOOK_URL", f"{hook.url}/hooks/vigie")
        monkeypatch.setenv("HOOK_SECRET", secret)
        wl = watchlist(signed_hook("ops"))
        results = deliver_pending(con, wl, now=NOW, http=client())

        assert [(r.channel, r.incident_id, r.status, r.attempts) for r in results] == [
            ("ops", "inc-1", "delivered", 1)
        ]
        (path, headers, body), *_ = hook.requests
        assert len(hook.requests) == 1
        assert path == "/hooks/vigie"
        assert headers["webhook-id"] == message_id("incident", "inc-1")
        payload = json.loads(body)
        assert payload["type"] == "incident.opened"
        assert payload["data"]["incident_id"] == "inc-1"
        assert payload["data"]["peak_at"] == "2026-11-20T16:00:00Z"
        assert payload["data"]["explanation"]["volume"]["mentions"] == 120

        # The receiver is not a rubber stamp: the same request with one byte changed fails.
        tampered = body.replace(b"Velora", b"Velorb", 1)
        assert requests.post(hook.url, data=tampered, headers=headers, timeout=5).status_code == 401
        assert requests.post(hook.url, data=body, headers=headers, timeout=5).status_code == 204

    state = delivery(con, "inc-1")["ops"]
    assert state == {
        "type": "webhook",
        "mode": "instant",
        "status": "delivered",
        "attempts": 1,
        "last_attempt_at": "2026-11-21T08:00:00Z",
        "delivered_at": "2026-11-21T08:00:00Z",
        "last_error": None,
        "message_id": message_id("incident", "inc-1"),
        "digest_day": None,
    }


@pytest.mark.parametrize("case", ["stale timestamp", "wrong secret"])
def test_receiver_rejects_stale_or_badly_signed_deliveries(con, monkeypatch, case):
    secret = new_secret()
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    configured = new_secret() if case == "wrong secret" else secret
    clock = (lambda: time.time() - 3600) if case == "stale timestamp" else time.time
    with receiver(verifies(secret)) as hook:
        monkeypatch.setenv("HOOK_URL", hook.url)
        monkeypatch.setenv("HOOK_SECRET", configured)
        wl = watchlist(signed_hook("ops"))
        (result,) = deliver_pending(con, wl, now=NOW, http=client(), clock=clock)
        assert len(hook.requests) == 1  # 401 is not retried: the configuration is wrong

    assert result.status == "failed"
    assert "HTTP 401" in result.error
    state = delivery(con, "inc-1")["ops"]
    assert state["status"] == "failed" and state["delivered_at"] is None
    assert configured.removeprefix("whsec_") not in json.dumps(state)


# --------------------------------------------------------------------------------------------
# Slack, retries, failures
# --------------------------------------------------------------------------------------------


def test_slack_receiver_gets_an_escaped_mrkdwn_message(con, monkeypatch):
    add_incident(
        con, "inc-1", datetime(2026, 11, 20, 14), explanation(HOSTILE_TEXT, "javascript:alert(1)")
    )
    with receiver(ok) as slack:
        monkeypatch.setenv("SLACK_URL", f"{slack.url}/services/T000/B000/XXXXSECRETXXXX")
        wl = watchlist({"type": "slack", "name": "team", "url_env": "SLACK_URL"})
        (result,) = deliver_pending(con, wl, now=NOW, http=client())
        assert result.status == "delivered"
        (_path, headers, body), *_ = slack.requests

    assert headers["content-type"] == "application/json"
    payload = json.loads(body)
    assert payload["unfurl_links"] is False
    text = payload["text"]
    assert "Velora: spike in negative mentions" in text
    assert "120 mentions (96 negative) vs a baseline of 14.5 (×8.3)" in text
    assert "[x] @\u2060someone 2026-11-20 15:02 UTC (reach 12,000):" in text
    assert "battery (40), fire (31)" in text
    assert "x (50), reddit (30)" in text
    assert "<https://reddit.com/r/bikes/1|open>" in text
    facts, samples = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert_harmless_mrkdwn(text)
    assert_harmless_mrkdwn(samples)
    assert_links_only(facts)
    assert "&lt;b&gt;recall&lt;/b&gt; (9)" in facts
    assert payload["blocks"][0]["type"] == "header"


def test_receiver_errors_are_retried_with_backoff(con, monkeypatch):
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    answers = iter([500, 500, 200])
    sleeps: list[float] = []
    with receiver(lambda *_: (next(answers), b"")) as flaky:
        monkeypatch.setenv("SLACK_URL", flaky.url)
        wl = watchlist({"type": "slack", "name": "team", "url_env": "SLACK_URL"})
        (result,) = deliver_pending(con, wl, now=NOW, http=client(sleeps))
        assert len(flaky.requests) == 3
        assert flaky.requests[0][2] == flaky.requests[2][2]  # the same message each time

    assert (result.status, result.attempts, result.error) == ("delivered", 1, None)
    assert len(sleeps) == 2 and 0 < sleeps[0] < sleeps[1]  # exponential, with jitter
    assert delivery(con, "inc-1")["team"]["status"] == "delivered"


def test_a_failing_receiver_is_recorded_without_secrets_and_retried_later(con, monkeypatch, caplog):
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    token = "T0SECRET/B0SECRET/abcdefSECRETxyz"
    down = {"value": True}

    def respond(path: str, _headers, _body) -> tuple[int, bytes]:
        if down["value"]:  # a receiver that echoes the URL it was called on
            return 500, f"no_service for {path}".encode()
        return 200, b"ok"

    caplog.set_level(logging.DEBUG, logger="pipelines")
    with receiver(respond) as broken:
        monkeypatch.setenv("SLACK_URL", f"{broken.url}/services/{token}")
        wl = watchlist({"type": "slack", "name": "team", "url_env": "SLACK_URL"})

        (first,) = deliver_pending(con, wl, now=NOW, http=client())
        assert len(broken.requests) == 3  # one run: the first try and two retries
        assert first.status == "failed" and first.attempts == 1
        assert "HTTP 500" in first.error and "gave up after 3 tries" in first.error
        state = delivery(con, "inc-1")["team"]
        assert (state["status"], state["attempts"]) == ("failed", 1)
        assert state["last_error"] == first.error

        (second,) = deliver_pending(con, wl, now=NOW + timedelta(hours=1), http=client())
        assert (second.status, second.attempts) == ("failed", 2)

        down["value"] = False
        (third,) = deliver_pending(con, wl, now=NOW + timedelta(hours=2), http=client())
        assert (third.status, third.attempts, third.error) == ("delivered", 3, None)
        assert deliver_pending(con, wl, now=NOW + timedelta(hours=3), http=client()) == []
        assert len(broken.requests) == 7

    stored = json.dumps(delivery(con, "inc-1"))
    for leak in [first.error, second.error, stored, caplog.text, summarize([first])]:
        assert "SECRET" not in leak
    assert "[redacted]" in first.error
    assert delivery(con, "inc-1")["team"]["delivered_at"] == "2026-11-21T10:00:00Z"


def test_a_missing_environment_variable_fails_the_channel_not_the_run(con, monkeypatch):
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    monkeypatch.delenv("NOT_SET_URL", raising=False)
    with receiver(ok) as slack:
        monkeypatch.setenv("SLACK_URL", slack.url)
        wl = watchlist(
            {"type": "webhook", "name": "broken", "url_env": "NOT_SET_URL"},
            {"type": "slack", "name": "team", "url_env": "SLACK_URL"},
        )
        results = deliver_pending(con, wl, now=NOW, http=client())
    by_channel = {r.channel: r for r in results}
    assert by_channel["team"].status == "delivered"
    assert by_channel["broken"].status == "failed"
    assert by_channel["broken"].error == (
        "environment variable NOT_SET_URL (webhook URL) is not set"
    )


def test_channel_names_must_be_unique(tmp_path):
    """Delivery state is kept per channel name, so the watchlist refuses repeated names."""
    from pipelines.settings import load_watchlist

    path = tmp_path / "w.yaml"
    path.write_text(
        "alerts:\n  channels:\n"
        "    - {type: slack, name: team, url_env: A_URL}\n"
        "    - {type: webhook, name: team, url_env: B_URL}\n"
    )
    with pytest.raises(ConfigError, match="repeated: team"):
        load_watchlist(path)


# --------------------------------------------------------------------------------------------
# Idempotence and age
# --------------------------------------------------------------------------------------------


def test_a_second_run_sends_nothing(con, monkeypatch):
    secret = new_secret()
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    add_incident(con, "inc-2", datetime(2026, 11, 20, 18))
    with receiver(ok) as slack, receiver(verifies(secret)) as hook:
        monkeypatch.setenv("SLACK_URL", slack.url)
        monkeypatch.setenv("HOOK_URL", hook.url)
        monkeypatch.setenv("HOOK_SECRET", secret)
        wl = watchlist(
            {"type": "slack", "name": "team", "url_env": "SLACK_URL"},
            signed_hook("ops"),
        )
        first = deliver_pending(con, wl, now=NOW, http=client())
        assert sorted((r.incident_id, r.channel, r.status) for r in first) == [
            ("inc-1", "ops", "delivered"),
            ("inc-1", "team", "delivered"),
            ("inc-2", "ops", "delivered"),
            ("inc-2", "team", "delivered"),
        ]
        assert summarize(first) == "alerts: 4 delivered, 0 failed"
        assert deliver_pending(con, wl, now=NOW + timedelta(minutes=5), http=client()) == []
        assert (len(slack.requests), len(hook.requests)) == (2, 2)
    assert len({h["webhook-id"] for _, h, _ in hook.requests}) == 2
    assert set(delivery(con, "inc-1")) == {"team", "ops"}


def test_old_incidents_do_not_page_a_new_channel(con, monkeypatch):
    add_incident(con, "old", datetime(2026, 10, 1, 9))
    add_incident(con, "new", datetime(2026, 11, 20, 14))
    with receiver(ok) as slack:
        monkeypatch.setenv("SLACK_URL", slack.url)
        wl = watchlist({"type": "slack", "name": "team", "url_env": "SLACK_URL"})
        assert [r.incident_id for r in deliver_pending(con, wl, now=NOW, http=client())] == ["new"]
        everything = deliver_pending(con, wl, now=NOW, http=client(), max_age=None)
        assert [r.incident_id for r in everything] == ["old"]
    assert delivery(con, "old")["team"]["status"] == "delivered"


# --------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.logins: list[tuple[bytes, bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        self.logins.append((auth_data.login, auth_data.password))
        # handled=False: aiosmtpd answers 535 itself when the password is wrong.
        return AuthResult(success=auth_data.password == b"s3cret-pass", handled=False)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def email_channel(port: int, host: str = "127.0.0.1") -> dict[str, Any]:
    return {
        "type": "email",
        "name": "on-call",
        "to": ["oncall@example.com", "cm@example.com"],
        "smtp_host": host,
        "smtp_port": port,
        "smtp_user_env": "SMTP_USER",
        "smtp_password_env": "SMTP_PASSWORD",
    }


def test_email_has_a_text_and_an_html_part(con, monkeypatch, smtp_server):
    inbox, port = smtp_server
    add_incident(
        con, "inc-1", datetime(2026, 11, 20, 14), explanation(HOSTILE_TEXT, "javascript:alert(1)")
    )
    monkeypatch.setenv("SMTP_USER", "alerts@example.com")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret-pass")
    wl = watchlist(email_channel(port))

    (result,) = deliver_pending(con, wl, now=NOW, http=client())

    assert result.status == "delivered", result.error
    assert inbox.logins == [(b"alerts@example.com", b"s3cret-pass")]
    (sender, rcpts, raw), *_ = inbox.messages
    assert sender == "alerts@example.com"
    assert rcpts == ["oncall@example.com", "cm@example.com"]
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"].startswith("[Vigie] Velora: spike in negative mentions")
    assert msg["Message-ID"] == f"<{message_id('incident', 'inc-1')}@vigie.alerts>"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP line ends
    html = msg.get_body(("html",)).get_content()
    assert "Volume: 120 mentions (96 negative) vs a baseline of 14.5" in text
    assert "1. [x] @someone 2026-11-20 15:02 UTC (reach 12,000): <script>" in text
    assert "https://reddit.com/r/bikes/1" in text
    assert_harmless_text(text)
    assert_harmless_html(html)
    assert "s3cret-pass" not in json.dumps(delivery(con, "inc-1"))


def test_email_credentials_never_travel_without_tls(con, monkeypatch, smtp_server):
    inbox, port = smtp_server
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    monkeypatch.setenv("SMTP_USER", "alerts@example.com")
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret-pass")
    wl = watchlist(email_channel(port, host="smtp.example.com"))

    def to_local_server(_host: str, _port: int, timeout: float) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", port, timeout=timeout)  # a relay that offers no TLS

    (result,) = deliver_pending(con, wl, now=NOW, http=client(), smtp_factory=to_local_server)

    assert result.status == "failed"
    assert "refusing to send SMTP credentials in clear" in result.error
    assert inbox.logins == [] and inbox.messages == []
    assert "s3cret-pass" not in json.dumps(delivery(con, "inc-1"))


def test_a_refused_login_is_a_failure_that_names_no_password(con, monkeypatch, smtp_server):
    inbox, port = smtp_server
    add_incident(con, "inc-1", datetime(2026, 11, 20, 14))
    monkeypatch.setenv("SMTP_USER", "alerts@example.com")
    monkeypatch.setenv("SMTP_PASSWORD", "wrong-pass")
    (result,) = deliver_pending(con, watchlist(email_channel(port)), now=NOW, http=client())
    assert result.status == "failed"
    assert result.error.startswith(f"127.0.0.1:{port}: SMTP 535")
    assert "gave up" not in result.error  # 5xx is permanent: no retry within the run
    # One connection: smtplib tries PLAIN, then LOGIN; a retry would log in again.
    assert [m for m in inbox.logins] == [(b"alerts@example.com", b"wrong-pass")] * 2
    assert inbox.messages == []
    assert "wrong-pass" not in json.dumps(delivery(con, "inc-1"))


# --------------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------------


def assert_links_only(mrkdwn: str) -> None:
    """Every "<...>" left in a Slack message is a link we made, to an http(s) URL."""
    for inner in re.findall(r"<([^>]*)>", mrkdwn):
        assert inner.startswith(("http://", "https://")), inner
        assert "javascript:" not in inner and "evil.example" not in inner


def assert_harmless_mrkdwn(mrkdwn: str) -> None:
    """The hostile sample post, as it must appear in Slack mrkdwn."""
    assert_links_only(mrkdwn)
    assert "&lt;script&gt;" in mrkdwn
    assert "&lt;@\u2060channel&gt;" in mrkdwn and "&lt;!here&gt;" in mrkdwn
    assert "Tom &amp; Jerry" in mrkdwn
    assert "@here" not in mrkdwn  # a word joiner keeps chat servers from reading a mention
    assert "\u202e" not in mrkdwn and "\x1b" not in mrkdwn


def assert_harmless_text(text: str) -> None:
    bad = [ch for ch in text if unicodedata.category(ch) == "Cc" and ch != "\n"]
    assert bad == []
    assert "\u202e" not in text
    assert "javascript:" not in text
    assert "<script>alert(1)</script>" in text  # plain text stays readable, verbatim
    # A post is one line: its own line breaks cannot fake a line of the alert.
    assert any("<script>" in line and "second line" in line for line in text.splitlines())


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.hrefs += [v or "" for k, v in attrs if k == "href"]
        assert not any(k.startswith("on") for k, _ in attrs)

    def handle_data(self, data):
        self.data.append(data)


def assert_harmless_html(html: str) -> None:
    parsed = _Tags()
    parsed.feed(html)
    assert "script" not in parsed.tags and "b" not in parsed.tags
    assert parsed.hrefs and all(h.startswith(("http://", "https://")) for h in parsed.hrefs)
    assert "<script>alert(1)</script>" in "".join(parsed.data)  # shown as text
    assert "&lt;script&gt;" in html


def hostile_incident() -> dict[str, Any]:
    exp = explanation(HOSTILE_TEXT, "javascript:alert(1)")
    exp["samples"][0]["author"] = "<b>boss</b>\u202e"
    exp["top_terms"].append(["<img src=x onerror=alert(1)>", 3])
    return {
        "incident_id": "inc-1",
        "brand": "Velora",
        "metric": "negative",
        "start_at": datetime(2026, 11, 20, 14),
        "end_at": datetime(2026, 11, 20, 20),
        "peak_at": datetime(2026, 11, 20, 16),
        "peak_value": 120.0,
        "baseline": 14.5,
        "score": 9.12,
        "explanation": json.dumps(exp),
        "created_at": datetime(2026, 11, 20, 21),
    }


def test_user_content_is_harmless_in_every_format():
    alert = render_alert(hostile_incident())
    mrkdwn = [alert.slack_payload["text"]] + [
        b["text"]["text"] for b in alert.slack_payload["blocks"] if b["type"] == "section"
    ]
    facts, samples = mrkdwn[1:]
    assert_harmless_mrkdwn(mrkdwn[0])
    assert_harmless_mrkdwn(samples)
    assert_links_only(facts)
    assert "&lt;img src=x onerror=alert(1)&gt; (3)" in mrkdwn[0]
    assert "&lt;b&gt;boss&lt;/b&gt;" in mrkdwn[0]
    assert_harmless_text(alert.text)
    assert_harmless_html(alert.html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in alert.html
    samples = alert.webhook_payload["data"]["explanation"]["samples"]
    assert samples[0]["url"] is None  # javascript: is not a link, for machines either
    assert samples[1]["url"] == "https://reddit.com/r/bikes/1"
    assert "\x1b" not in samples[0]["text"] and "\u202e" not in samples[0]["author"]


def test_the_alert_says_what_happened_in_french():
    alert = render_alert(hostile_incident(), locale="fr")
    assert alert.title == (
        "[Vigie] Velora\u00a0: pic de mentions négatives (120 contre 14,5 attendues)"
    )
    assert "- Volume\u00a0: 120 mentions (dont 96 négatives) pour une référence de 14,5 (×8,3)" in (
        alert.text
    )
    assert "- Part négative\u00a0: 80\u202f% maintenant, 20\u202f% avant" in alert.text
    assert 'lang="fr"' in alert.html


# --------------------------------------------------------------------------------------------
# Digest
# --------------------------------------------------------------------------------------------


def test_digest_channels_get_one_message_a_day(con, monkeypatch):
    secret = new_secret()
    add_incident(con, "inc-a", datetime(2026, 11, 20, 9))
    add_incident(con, "inc-b", datetime(2026, 11, 20, 23, 30))
    add_incident(con, "inc-next", datetime(2026, 11, 21, 0, 0))  # half-open day: not on the 20th
    with receiver(verifies(secret)) as hook, receiver(ok) as slack:
        monkeypatch.setenv("HOOK_URL", hook.url)
        monkeypatch.setenv("HOOK_SECRET", secret)
        monkeypatch.setenv("SLACK_URL", slack.url)
        wl = watchlist(
            signed_hook("daily"), {"type": "slack", "name": "team", "url_env": "SLACK_URL"}
        )
        digest = {"daily"}

        instant = deliver_pending(con, wl, now=NOW, http=client(), digest_channels=digest)
        assert {r.channel for r in instant} == {"team"}
        assert hook.requests == []

        (result,) = deliver_digest(con, wl, DAY, now=NOW, http=client(), digest_channels=digest)
        assert (result.channel, result.status, result.digest_day) == ("daily", "delivered", DAY)
        assert result.incident_ids == ("inc-a", "inc-b")
        assert len(hook.requests) == 1
        payload = json.loads(hook.requests[0][2])
        assert payload["type"] == "incident.digest"
        assert payload["data"]["day"] == "2026-11-20"
        assert [i["incident_id"] for i in payload["data"]["incidents"]] == ["inc-a", "inc-b"]
        assert "Daily digest for 2026-11-20: 2 incident(s)" in payload["data"]["title"]

        # A rerun sends nothing; a late incident of the same day goes out on its own.
        assert deliver_digest(con, wl, DAY, now=NOW, http=client(), digest_channels=digest) == []
        add_incident(con, "inc-late", datetime(2026, 11, 20, 12))
        (late,) = deliver_digest(con, wl, DAY, now=NOW, http=client(), digest_channels=digest)
        assert late.incident_ids == ("inc-late",)
        assert len(hook.requests) == 2
        assert hook.requests[0][1]["webhook-id"] != hook.requests[1][1]["webhook-id"]

    state = delivery(con, "inc-a")
    assert state["daily"]["mode"] == "digest" and state["daily"]["digest_day"] == "2026-11-20"
    assert state["team"]["mode"] == "instant"
    assert "daily" not in delivery(con, "inc-next")


def test_digest_rendering_lists_every_incident_safely():
    incidents = [{**hostile_incident(), "incident_id": f"inc-{n}"} for n in range(20)]
    alert = render_digest(incidents, DAY)
    assert alert.title == "[Vigie] Daily digest for 2026-11-20: 20 incident(s)"
    assert len(alert.slack_payload["blocks"]) <= 50
    assert "and 5 more incident(s)" in alert.text
    assert len(alert.webhook_payload["data"]["incidents"]) == 20
    assert_harmless_text(alert.text)
    assert_harmless_html(alert.html)
    assert_harmless_mrkdwn(alert.slack_payload["text"])
