"""Incident alerts: say what happened, safely, and deliver it once per channel.

An incident row (see sql/schema/006_incidents.sql) becomes an `Alert`: a title, a plain-text
body, a Slack-compatible payload, a Standard Webhooks payload and an HTML e-mail body. Sample
posts are user-generated and untrusted, so each format escapes them its own way:

* plain text: control, bidi-override and line-separator characters are removed;
* Slack mrkdwn: `&`, `<` and `>` become entities (so `<!channel>` or `<javascript:...|x>` in a
  post is inert text) and `@` in user text is followed by a word joiner, so a post cannot ping
  a channel on chat servers that read bare `@here`;
* HTML: Jinja2 autoescape;
* links: only http(s) URLs become links, everywhere; anything else (javascript:, data:) is
  dropped.

Delivery state lives on the incident, in `delivery` (JSON), one entry per channel name:

    {"<channel name>": {"type": "webhook", "mode": "instant" | "digest",
                        "status": "pending" | "delivered" | "failed", "attempts": 2,
                        "last_attempt_at": "...Z", "delivered_at": "...Z" | null,
                        "last_error": "..." | null, "message_id": "msg_...",
                        "digest_day": "YYYY-MM-DD" | null}}

`attempts` counts delivery runs that tried the channel; inside one run the HTTP client (or the
SMTP loop) retries receiver errors with backoff. "pending" is written before a message goes
out, so a crash between sending and recording leaves a trace, and the next run sends again
(with the same `webhook-id` and Message-ID, so receivers can drop the copy). A "delivered"
channel is never sent again.

Secrets (webhook URLs, signing secrets, SMTP passwords) are read from the environment at send
time; error messages are built from status codes and scrubbed of every secret value before
they are logged or stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import logging
import os
import smtplib
import ssl
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import requests

from connectors.http import HttpClient
from pipelines import charts, db
from pipelines.errors import SourceError
from pipelines.settings import AlertChannel, Watchlist

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
DEFAULT_MAX_AGE = timedelta(days=3)
MAX_TERMS = 8
MAX_SOURCES = 8
MAX_SAMPLES = 5
DIGEST_SAMPLES = 2
DIGEST_DETAILED = 15  # Slack allows 50 blocks per message; the rest is counted, not detailed.
SAMPLE_CHARS = 280
SLACK_SECTION_CHARS = 2900  # Block Kit caps a section's text at 3000 characters.
ERROR_CHARS = 400
SMTP_TIMEOUT = 30.0

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "prefix": "[Vigie]",
        "colon": ":",
        "spike": "{brand}: spike in {metric}",
        "metric_negative": "negative mentions",
        "metric_volume": "mentions",
        "metric_share": "negative share",
        "metric_reach": "reach of negative mentions",
        "metrics": "Metrics that fired",
        "metric_line": "{metric} ({peak} vs {baseline})",
        "versus": "{peak} vs {baseline} expected",
        "window": "Window",
        "peak": "Peak",
        "peak_line": "{value} at {time} (expected {baseline})",
        "volume": "Volume",
        "volume_line": "{mentions} mentions vs a baseline of {baseline}",
        "volume_negative": "{mentions} mentions ({negative} negative) vs a baseline of {baseline}",
        "ratio": "×{ratio}",
        "negative_share": "Negative share",
        "negative_line": "{now} now, {before} before",
        "score": "Score",
        "top_terms": "Top terms",
        "top_hashtags": "Top hashtags",
        "sources": "Sources",
        "samples": "Sample posts",
        "reach": "reach",
        "open": "open",
        "incident": "Incident",
        "digest_title": "Daily digest for {day}: {count} incident(s)",
        "digest_more": "…and {count} more incident(s), listed in the webhook payload and report.",
        "footer": "Sent by Vigie. Each incident is sent once per channel.",
        "unknown": "unknown",
    },
    "fr": {
        "prefix": "[Vigie]",
        "colon": "\u00a0:",
        "spike": "{brand}\u00a0: pic de {metric}",
        "metric_negative": "mentions négatives",
        "metric_volume": "mentions",
        "metric_share": "part négative",
        "metric_reach": "portée des mentions négatives",
        "metrics": "Métriques en alerte",
        "metric_line": "{metric} ({peak} contre {baseline})",
        "versus": "{peak} contre {baseline} attendues",
        "window": "Fenêtre",
        "peak": "Pic",
        "peak_line": "{value} à {time} (attendu\u00a0: {baseline})",
        "volume": "Volume",
        "volume_line": "{mentions} mentions pour une référence de {baseline}",
        "volume_negative": (
            "{mentions} mentions (dont {negative} négatives) pour une référence de {baseline}"
        ),
        "ratio": "×{ratio}",
        "negative_share": "Part négative",
        "negative_line": "{now} maintenant, {before} avant",
        "score": "Score",
        "top_terms": "Termes principaux",
        "top_hashtags": "Hashtags principaux",
        "sources": "Sources",
        "samples": "Exemples de publications",
        "reach": "portée",
        "open": "ouvrir",
        "incident": "Incident",
        "digest_title": "Résumé quotidien du {day} : {count} incident(s)",
        "digest_more": "…et {count} autre(s) incident(s), dans le webhook et le rapport.",
        "footer": "Envoyé par Vigie. Chaque incident n'est envoyé qu'une fois par canal.",
        "unknown": "inconnu",
    },
}
METRIC_KEYS = {
    "negative": "metric_negative",
    "negative_mentions": "metric_negative",
    "negative_volume": "metric_negative",
    "volume": "metric_volume",
    "mentions": "metric_volume",
    "negative_share": "metric_share",
    "negative_reach": "metric_reach",
}

Status = Literal["pending", "delivered", "failed"]


class DeliveryError(Exception):
    """One channel could not take one message. The text never holds a secret."""


# --------------------------------------------------------------------------------------------
# Untrusted text
# --------------------------------------------------------------------------------------------

# Bidi embeddings/overrides/isolates and marks: they can make a post read backwards.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_WORD_JOINER = "\u2060"


def clean_text(value: Any, limit: int | None = None) -> str:
    """One line of printable text: control, bidi and separator characters removed, runs of
    whitespace collapsed, cut at `limit` characters with an ellipsis."""
    if value is None:
        return ""
    out = []
    for ch in str(value):
        category = unicodedata.category(ch)
        if category in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif category == "Cs" or ch in _BIDI:
            continue
        else:
            out.append(ch)
    text = " ".join("".join(out).split())
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def safe_link(value: Any) -> str | None:
    """An http(s) URL with a host and nothing that could break out of a link; else None."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    if len(url) > 2000 or any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return url


def mrkdwn_escape(text: str) -> str:
    """Slack's three control characters as entities; `@` cannot start a mention."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.replace("@", "@" + _WORD_JOINER)


def _mrkdwn_link(url: str, label: str) -> str:
    target = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
    return f"<{target.replace('|', '%7C')}|{mrkdwn_escape(label)}>"


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Alert:
    title: str
    text: str
    slack_payload: dict[str, Any]
    webhook_payload: dict[str, Any]
    html: str


@dataclass(frozen=True)
class _Sample:
    text: str
    url: str | None
    source: str
    author: str
    published: str | None
    reach: str | None


@dataclass(frozen=True)
class _View:
    """One incident, with every string cleaned (not escaped) and every number formatted."""

    incident_id: str
    headline: str
    versus: str | None
    facts: list[tuple[str, str]]
    lists: list[tuple[str, str]]
    samples: list[_Sample]


def _labels(locale: str) -> dict[str, str]:
    return LABELS.get(locale, LABELS["en"])


def _number(value: Any, locale: str, decimals: int = 0) -> str | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return charts.format_number(number, locale, decimals)


def _decimals(value: Any) -> int:
    try:
        return 0 if float(value) == int(float(value)) else 1
    except (TypeError, ValueError, OverflowError):
        return 0


def _percent(value: Any, locale: str) -> str | None:
    try:
        share = float(value) * 100
    except (TypeError, ValueError):
        return None
    text = charts.format_number(share, locale, 0)
    return f"{text}\u202f%" if locale == "fr" else f"{text}%"


def _as_datetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return _as_datetime(parsed)
    return None


def _when(value: Any) -> str | None:
    moment = _as_datetime(value)
    return moment.strftime("%Y-%m-%d %H:%M") if moment else None


def _iso(value: Any) -> str | None:
    moment = _as_datetime(value)
    return moment.isoformat(timespec="seconds") + "Z" if moment else None


def _explanation(incident: Mapping[str, Any]) -> dict[str, Any]:
    raw = incident.get("explanation")
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _pairs(items: Any, locale: str, limit: int) -> list[tuple[str, str | None]]:
    """[["battery", 40], ...] -> [("battery", "40")], skipping what does not fit the shape."""
    out: list[tuple[str, str | None]] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, list | tuple) and item:
            name, count = item[0], item[1] if len(item) > 1 else None
        elif isinstance(item, str):
            name, count = item, None
        else:
            continue
        name = clean_text(name, 60)
        if name:
            out.append((name, _number(count, locale)))
        if len(out) == limit:
            break
    return out


def _join_pairs(pairs: list[tuple[str, str | None]]) -> str:
    return ", ".join(f"{name} ({count})" if count else name for name, count in pairs)


def _samples(items: Any, locale: str, limit: int) -> list[_Sample]:
    out = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        text = clean_text(item.get("text"), SAMPLE_CHARS)
        url = safe_link(item.get("url"))
        if not (text or url):
            continue
        out.append(
            _Sample(
                text=text,
                url=url,
                source=clean_text(item.get("source"), 40),
                author=clean_text(item.get("author"), 80),
                published=_when(item.get("published_at")),
                reach=_number(item.get("reach"), locale),
            )
        )
        if len(out) == limit:
            break
    return out


def _peak_baseline(
    metric: str, peak: Any, baseline: Any, locale: str
) -> tuple[str | None, str | None]:
    """Peak and baseline as text: shares as percentages, counts and reach as numbers."""
    if metric == "negative_share":
        return _percent(peak, locale), _percent(baseline, locale)
    return _number(peak, locale, _decimals(peak)), _number(baseline, locale, 1)


def _metrics_line(raw: Any, t: dict[str, str], locale: str) -> str | None:
    """Which watched metrics fired in the incident, each with its peak against expected."""
    if not isinstance(raw, list):
        return None
    parts = []
    for item in raw[:8]:
        if not isinstance(item, dict):
            continue
        name = clean_text(item.get("metric"), 60)
        label = t[METRIC_KEYS[name]] if name in METRIC_KEYS else name
        if not label:
            continue
        peak, base = _peak_baseline(name, item.get("peak_value"), item.get("baseline"), locale)
        parts.append(t["metric_line"].format(metric=label, peak=peak or "?", baseline=base or "?"))
    return ", ".join(parts) or None


def _view(incident: Mapping[str, Any], locale: str, samples: int = MAX_SAMPLES) -> _View:
    t = _labels(locale)
    exp = _explanation(incident)
    brand = clean_text(incident.get("brand"), 80) or t["unknown"]
    metric_raw = clean_text(incident.get("metric"), 60)
    metric = t[METRIC_KEYS[metric_raw]] if metric_raw in METRIC_KEYS else metric_raw or "?"
    peak, baseline = _peak_baseline(
        metric_raw, incident.get("peak_value"), incident.get("baseline"), locale
    )

    facts: list[tuple[str, str]] = []
    window = exp.get("window") if isinstance(exp.get("window"), dict) else {}
    start = _when(window.get("start")) or _when(incident.get("start_at"))
    end = _when(window.get("end")) or _when(incident.get("end_at"))
    if start and end:
        facts.append((t["window"], f"{start} → {end} UTC"))
    peak_at = _when(incident.get("peak_at"))
    if peak and peak_at:
        line = t["peak_line"].format(value=peak, time=f"{peak_at} UTC", baseline=baseline or "?")
        facts.append((t["peak"], line))
    volume = exp.get("volume") if isinstance(exp.get("volume"), dict) else {}
    mentions = _number(volume.get("mentions"), locale)
    vol_base = _number(volume.get("baseline"), locale, 1)
    negatives = _number(volume.get("negative"), locale)
    if mentions and vol_base:
        key = "volume_negative" if negatives else "volume_line"
        line = t[key].format(mentions=mentions, negative=negatives, baseline=vol_base)
        try:
            ratio = float(volume["mentions"]) / float(volume["baseline"])
            line += f" ({t['ratio'].format(ratio=charts.format_number(ratio, locale, 1))})"
        except (TypeError, ValueError, ZeroDivisionError):
            pass
        facts.append((t["volume"], line))
    negative = exp.get("negative_share") if isinstance(exp.get("negative_share"), dict) else {}
    now_share = _percent(negative.get("now"), locale)
    before_share = _percent(negative.get("before"), locale)
    if now_share and before_share:
        line = t["negative_line"].format(now=now_share, before=before_share)
        facts.append((t["negative_share"], line))
    fired = _metrics_line(exp.get("metrics"), t, locale)
    if fired:
        facts.append((t["metrics"], fired))
    score = _number(incident.get("score"), locale, 1)
    if score:
        facts.append((t["score"], score))

    lists: list[tuple[str, str]] = []
    for key, label, limit in (
        ("top_terms", t["top_terms"], MAX_TERMS),
        ("top_hashtags", t["top_hashtags"], MAX_TERMS),
        ("sources", t["sources"], MAX_SOURCES),
    ):
        pairs = _pairs(exp.get(key), locale, limit)
        if pairs:
            lists.append((label, _join_pairs(pairs)))

    return _View(
        incident_id=clean_text(incident.get("incident_id"), 120),
        headline=t["spike"].format(brand=brand, metric=metric),
        versus=t["versus"].format(peak=peak, baseline=baseline) if peak and baseline else None,
        facts=facts,
        lists=lists,
        samples=_samples(exp.get("samples"), locale, samples),
    )


def _sample_byline(sample: _Sample, t: dict[str, str]) -> str:
    bits = [f"[{sample.source}]"] if sample.source else []
    if sample.author:
        bits.append(sample.author)
    if sample.published:
        bits.append(f"{sample.published} UTC")
    if sample.reach:
        bits.append(f"({t['reach']} {sample.reach})")
    return " ".join(bits)


def _plain(view: _View, t: dict[str, str]) -> list[str]:
    c = t["colon"]
    lines = [f"- {label}{c} {value}" for label, value in [*view.facts, *view.lists]]
    if view.samples:
        lines += ["", f"{t['samples']}{c}"]
        for n, sample in enumerate(view.samples, 1):
            byline = _sample_byline(sample, t)
            lines.append(f"{n}. {byline}{c} {sample.text}" if byline else f"{n}. {sample.text}")
            if sample.url:
                lines.append(f"   {sample.url}")
    lines += ["", f"{t['incident']}{c} {view.incident_id}"]
    return lines


def _mrkdwn_facts(view: _View, t: dict[str, str]) -> str:
    return "\n".join(
        f"*{mrkdwn_escape(label)}{t['colon']}* {mrkdwn_escape(value)}"
        for label, value in [*view.facts, *view.lists]
    )


def _mrkdwn_samples(view: _View, t: dict[str, str]) -> str:
    lines = [f"*{mrkdwn_escape(t['samples'])}*"]
    for sample in view.samples:
        byline = mrkdwn_escape(_sample_byline(sample, t))
        text = mrkdwn_escape(sample.text)
        line = f"> {byline}{t['colon']} {text}" if byline else f"> {text}"
        if sample.url:
            line += f" {_mrkdwn_link(sample.url, t['open'])}"
        lines.append(line)
    return "\n".join(lines)


def _fit(text: str, limit: int = SLACK_SECTION_CHARS) -> str:
    """Cut at a line boundary so that no entity or link is split."""
    if len(text) <= limit:
        return text
    kept = text[:limit].rsplit("\n", 1)[0]
    return kept + "\n…"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _fit(text)}}


def _id_context(view: _View, t: dict[str, str]) -> dict[str, Any]:
    ident = mrkdwn_escape(view.incident_id.replace("`", "'"))
    return {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": f"{t['incident']}{t['colon']} `{ident}`"}],
    }


def _slack(title: str, blocks: list[dict[str, Any]], text: str) -> dict[str, Any]:
    header = {"type": "header", "text": {"type": "plain_text", "text": title[:150]}}
    return {
        "text": text,
        "blocks": [header, *blocks],
        "unfurl_links": False,  # previews would make Slack fetch untrusted URLs
        "unfurl_media": False,
    }


def _environment():
    from jinja2 import Environment, FileSystemLoader

    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _html(title: str, views: list[_View], locale: str, intro: str | None, more: str | None) -> str:
    template = _environment().get_template("alert_email.html.j2")
    t = _labels(locale)
    return template.render(
        title=title,
        intro=intro,
        views=views,
        more=more,
        t=t,
        locale=locale,
        byline=lambda sample: _sample_byline(sample, t),
    )


def _data(incident: Mapping[str, Any]) -> dict[str, Any]:
    """The incident for machine receivers: the same facts, sanitised the same way."""
    exp = _explanation(incident)
    clean = dict(exp)
    samples = exp.get("samples") if isinstance(exp.get("samples"), list) else []
    clean["samples"] = [
        {
            "text": clean_text(s.get("text")),
            "url": safe_link(s.get("url")),
            "source": clean_text(s.get("source")),
            "author": clean_text(s.get("author")),
            "reach": s.get("reach") if isinstance(s.get("reach"), int | float) else None,
        }
        for s in samples
        if isinstance(s, dict)
    ]
    for key in ("top_terms", "top_hashtags", "sources"):
        if isinstance(exp.get(key), list):
            clean[key] = [
                [clean_text(item[0]), *item[1:2]]
                for item in exp[key]
                if isinstance(item, list | tuple) and item
            ]

    def number(key: str) -> float | None:
        value = incident.get(key)
        return float(value) if isinstance(value, int | float) else None

    return {
        "incident_id": incident.get("incident_id"),
        "brand": clean_text(incident.get("brand")),
        "metric": clean_text(incident.get("metric")),
        "metrics": [
            clean_text(m.get("metric"))
            for m in (exp.get("metrics") if isinstance(exp.get("metrics"), list) else [])
            if isinstance(m, dict)
        ],
        "start_at": _iso(incident.get("start_at")),
        "end_at": _iso(incident.get("end_at")),
        "peak_at": _iso(incident.get("peak_at")),
        "peak_value": number("peak_value"),
        "baseline": number("baseline"),
        "score": number("score"),
        "explanation": clean,
    }


def render_alert(incident: Mapping[str, Any], locale: str = "en") -> Alert:
    """One incident (a row of `incidents`, explanation as a dict or JSON text) as an Alert."""
    t = _labels(locale)
    view = _view(incident, locale)
    title = f"{t['prefix']} {view.headline}"
    if view.versus:
        title += f" ({view.versus})"
    text = "\n".join([title, "", *_plain(view, t)])

    mrkdwn_title = f"*{mrkdwn_escape(title)}*"
    blocks = [_section(_mrkdwn_facts(view, t))]
    if view.samples:
        blocks.append(_section(_mrkdwn_samples(view, t)))
    blocks.append(_id_context(view, t))
    fallback = "\n".join(
        [
            mrkdwn_title,
            _mrkdwn_facts(view, t),
            *([_mrkdwn_samples(view, t)] if view.samples else []),
        ]
    )
    webhook = {
        "type": "incident.opened",
        "timestamp": _iso(incident.get("created_at")) or _iso(incident.get("start_at")),
        "data": {**_data(incident), "title": title, "text": text},
    }
    return Alert(
        title=title,
        text=text,
        slack_payload=_slack(title, blocks, fallback),
        webhook_payload=webhook,
        html=_html(title, [view], locale, None, None),
    )


def render_digest(incidents: Sequence[Mapping[str, Any]], day: date, locale: str = "en") -> Alert:
    """The incidents of one day as one message (for channels in digest mode)."""
    t = _labels(locale)
    title = f"{t['prefix']} {t['digest_title'].format(day=day.isoformat(), count=len(incidents))}"
    views = [_view(i, locale, DIGEST_SAMPLES) for i in incidents[:DIGEST_DETAILED]]
    hidden = len(incidents) - len(views)
    more = t["digest_more"].format(count=hidden) if hidden > 0 else None

    text_lines = [title]
    blocks: list[dict[str, Any]] = []
    fallback = [f"*{mrkdwn_escape(title)}*"]
    for n, view in enumerate(views, 1):
        heading = f"{n}. {view.headline}" + (f" ({view.versus})" if view.versus else "")
        text_lines += ["", heading, *_plain(view, t)]
        section = f"*{mrkdwn_escape(heading)}*\n{_mrkdwn_facts(view, t)}"
        if view.samples:
            section += "\n" + _mrkdwn_samples(view, t)
        blocks += [_section(section), _id_context(view, t)]
        fallback.append(section)
    if more:
        text_lines += ["", more]
        blocks.append(_section(mrkdwn_escape(more)))
        fallback.append(mrkdwn_escape(more))
    text = "\n".join(text_lines)
    webhook = {
        "type": "incident.digest",
        "timestamp": datetime(day.year, day.month, day.day).isoformat() + "Z",
        "data": {
            "day": day.isoformat(),
            "count": len(incidents),
            "incidents": [_data(i) for i in incidents],
            "title": title,
            "text": text,
        },
    }
    return Alert(
        title=title,
        text=text,
        slack_payload=_slack(title, blocks, _fit("\n".join(fallback), 38000)),
        webhook_payload=webhook,
        html=_html(title, views, locale, None, more),
    )


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryResult:
    """What one run did for one channel: one incident, or the incidents of one digest."""

    channel: str
    incident_ids: tuple[str, ...]
    status: Status
    attempts: int
    error: str | None = None
    digest_day: date | None = None

    @property
    def incident_id(self) -> str:
        return self.incident_ids[0]


SmtpFactory = Callable[[str, int, float], smtplib.SMTP]


def default_smtp_factory(host: str, port: int, timeout: float) -> smtplib.SMTP:
    """Implicit TLS on 465, else a plain connection that upgrades with STARTTLS when offered."""
    if port == 465:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def message_id(*parts: str) -> str:
    """A stable Standard Webhooks id: same incident (or digest), same id, on every retry."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"msg_{digest[:32]}"


def sign(secret: str, msg_id: str, timestamp: str, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256>` of "{id}.{timestamp}.{body}", keyed by the decoded secret."""
    key = _secret_key(secret)
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def _secret_key(secret: str) -> bytes:
    raw = secret.strip().removeprefix("whsec_")
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise DeliveryError(
            "the signing secret is not a whsec_<base64> key (Standard Webhooks format)"
        ) from None


def is_digest(channel: AlertChannel, digest_channels: Collection[str] | None = None) -> bool:
    """Digest mode: `digest: true` on the channel, or named in `digest_channels`."""
    return channel.digest or channel.name in (digest_channels or ())


def _channels(watchlist: Watchlist) -> list[AlertChannel]:
    # The watchlist refuses repeated names, which the per-name delivery state relies on.
    return list(watchlist.alerts.channels)


def _env(name: str | None, what: str) -> str:
    value = os.environ.get(name or "")
    if not value:
        raise DeliveryError(f"environment variable {name} ({what}) is not set")
    return value


def _secrets(channel: AlertChannel) -> list[str]:
    """Every secret value this channel could leak, with the parts of URLs that carry one."""
    values = []
    for name in (channel.url_env, channel.secret_env, channel.smtp_password_env):
        value = os.environ.get(name or "")
        if not value:
            continue
        values.append(value)
        if name == channel.url_env:
            parts = urlsplit(value)
            values += [parts.path, parts.query, parts.netloc.rpartition("@")[0]]
            # Tokens echoed on their own (Slack's T…/B…/secret path); plain words are kept.
            values += [p for p in parts.path.split("/") if len(p) >= 8 and not p.islower()]
        if name == channel.secret_env:
            values.append(value.removeprefix("whsec_"))
    return sorted({v for v in values if len(v) >= 4}, key=len, reverse=True)


def _scrub(message: str, channel: AlertChannel) -> str:
    for secret in _secrets(channel):
        message = message.replace(secret, "[redacted]")
    return clean_text(message, ERROR_CHARS)


def _client(watchlist: Watchlist) -> HttpClient:
    cfg = watchlist.http
    return HttpClient(
        timeout=cfg.timeout_seconds,
        retries=cfg.retries,
        backoff=cfg.backoff_seconds,
        allow_hosts=frozenset(cfg.allow_hosts),
    )


def _post(http: HttpClient, channel: AlertChannel, **kwargs: Any) -> None:
    url = _env(channel.url_env, "webhook URL")
    host = urlsplit(url).hostname or "?"
    try:
        http.request("POST", url, **kwargs)
    except (SourceError, requests.RequestException, ValueError) as exc:
        # The client's message names the URL path, and a Slack webhook's path is its secret:
        # keep the reason after "<METHOD> <url>: " and scrub what is left.
        reason = str(exc).split(": ", 1)[-1]
        raise DeliveryError(f"{host}: {reason}") from None


def _send_slack(http: HttpClient, channel: AlertChannel, alert: Alert) -> None:
    _post(http, channel, json=alert.slack_payload)


def _send_webhook(
    http: HttpClient, channel: AlertChannel, alert: Alert, msg_id: str, clock: Callable[[], float]
) -> None:
    body = json.dumps(alert.webhook_payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(clock()))
    headers = {
        "Content-Type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": timestamp,
    }
    if channel.secret_env:
        secret = _env(channel.secret_env, "signing secret")
        headers["webhook-signature"] = sign(secret, msg_id, timestamp, body)
    _post(http, channel, data=body, headers=headers)


def _email(channel: AlertChannel, alert: Alert, msg_id: str, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = clean_text(alert.title, 250)
    msg["From"] = sender
    msg["To"] = ", ".join(channel.to)
    msg["Date"] = format_datetime(datetime.now(UTC))
    msg["Message-ID"] = f"<{msg_id}@vigie.alerts>"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to alerts
    msg["X-Auto-Response-Suppress"] = "All"
    msg.set_content(alert.text)
    msg.add_alternative(alert.html, subtype="html")
    return msg


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _smtp_once(channel: AlertChannel, msg: EmailMessage, factory: SmtpFactory, timeout: float):
    host, port = channel.smtp_host or "", channel.smtp_port
    user = _env(channel.smtp_user_env, "SMTP user") if channel.smtp_user_env else None
    password = (
        _env(channel.smtp_password_env, "SMTP password") if channel.smtp_password_env else None
    )
    with factory(host, port, timeout) as smtp:
        smtp.ehlo()
        tls = isinstance(smtp, smtplib.SMTP_SSL)
        if not tls and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
            tls = True
        if user and password:
            if not tls and not _is_loopback(host):
                raise DeliveryError(
                    f"{host}:{port} offers no TLS; refusing to send SMTP credentials in clear"
                )
            smtp.login(user, password)
        return smtp.send_message(msg)


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    if isinstance(exc, ssl.SSLError):  # a certificate or TLS problem does not fix itself
        return False
    return isinstance(exc, smtplib.SMTPServerDisconnected | OSError)


def _smtp_reason(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "all recipients refused: " + "; ".join(
            f"{addr} ({code} {reply.decode('utf-8', 'replace')})"
            for addr, (code, reply) in exc.recipients.items()
        )
    if isinstance(exc, smtplib.SMTPResponseException):
        error = exc.smtp_error
        text = error.decode("utf-8", "replace") if isinstance(error, bytes) else str(error)
        return f"SMTP {exc.smtp_code} {text}"
    if isinstance(exc, OSError):
        return f"{type(exc).__name__}: {exc.strerror or exc}"
    return f"{type(exc).__name__}: {exc}"


def _send_email(
    channel: AlertChannel,
    alert: Alert,
    msg_id: str,
    factory: SmtpFactory,
    http: HttpClient,
) -> str | None:
    """Send with the shared retry policy (transient 4xx replies and network errors are
    retried with backoff). Returns a note when some recipients were refused."""
    user = os.environ.get(channel.smtp_user_env or "", "")
    sender = channel.from_addr or (user if "@" in user else "vigie@localhost")
    msg = _email(channel, alert, msg_id, sender)
    where = f"{channel.smtp_host}:{channel.smtp_port}"
    for attempt in range(http.retries + 1):
        try:
            refused = _smtp_once(channel, msg, factory, http.timeout or SMTP_TIMEOUT)
        except (smtplib.SMTPException, OSError) as exc:
            if not _transient(exc) or attempt == http.retries:
                tries = f", gave up after {attempt + 1} tries" if _transient(exc) else ""
                raise DeliveryError(f"{where}: {_smtp_reason(exc)}{tries}") from None
            http.sleep(http.backoff * (2**attempt))
            continue
        if refused:
            return "some recipients refused: " + ", ".join(sorted(refused))
        return None
    raise AssertionError("unreachable")


@dataclass
class _Sender:
    http: HttpClient
    smtp_factory: SmtpFactory
    clock: Callable[[], float]

    def send(self, channel: AlertChannel, alert: Alert, msg_id: str) -> str | None:
        if channel.type == "slack":
            _send_slack(self.http, channel, alert)
        elif channel.type == "webhook":
            _send_webhook(self.http, channel, alert, msg_id, self.clock)
        else:
            return _send_email(channel, alert, msg_id, self.smtp_factory, self.http)
        return None


def _rows(con, name: str, **params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(db.sql(f"alerts/{name}"), params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _delivery(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _state(incident: Mapping[str, Any], channel: str) -> dict[str, Any]:
    entry = _delivery(incident.get("delivery")).get(channel)
    return entry if isinstance(entry, dict) else {}


def _record(con, incident_id: str, channel: str, entry: dict[str, Any]) -> None:
    """Re-read the row and replace only this channel's entry: other channels stay as they are."""
    rows = _rows(con, "incident_delivery", incident_id=incident_id)
    delivery = _delivery(rows[0]["delivery"]) if rows else {}
    delivery[channel] = entry
    con.execute(
        db.sql("alerts/set_delivery"),
        {"incident_id": incident_id, "delivery": json.dumps(delivery, ensure_ascii=False)},
    )


def _attempt(
    con,
    sender: _Sender,
    channel: AlertChannel,
    incidents: Sequence[Mapping[str, Any]],
    alert: Alert,
    msg_id: str,
    now: datetime,
    digest_day: date | None,
) -> DeliveryResult:
    stamp = now.isoformat(timespec="seconds") + "Z"
    ids = tuple(str(i["incident_id"]) for i in incidents)
    entries = {}
    for incident_id, incident in zip(ids, incidents, strict=True):
        previous = _state(incident, channel.name)
        entries[incident_id] = {
            "type": channel.type,
            "mode": "digest" if digest_day else "instant",
            "status": "pending",
            "attempts": int(previous.get("attempts") or 0) + 1,
            "last_attempt_at": stamp,
            "delivered_at": None,
            "last_error": previous.get("last_error"),
            "message_id": msg_id,
            "digest_day": digest_day.isoformat() if digest_day else None,
        }
        _record(con, incident_id, channel.name, entries[incident_id])

    status: Status
    try:
        note = sender.send(channel, alert, msg_id)
        status, error = "delivered", (_scrub(note, channel) if note else None)
    except DeliveryError as exc:
        status, error = "failed", _scrub(str(exc), channel)

    for incident_id, entry in entries.items():
        entry.update(status=status, last_error=error)
        if status == "delivered":
            entry["delivered_at"] = stamp
        _record(con, incident_id, channel.name, entry)

    attempts = max(e["attempts"] for e in entries.values())
    what = f"digest {digest_day} ({len(ids)} incidents)" if digest_day else f"incident {ids[0]}"
    if status == "delivered":
        log.info("alert %s -> %s (%s): delivered", what, channel.name, channel.type)
    else:
        log.warning(
            "alert %s -> %s (%s): failed (attempt %d): %s",
            what,
            channel.name,
            channel.type,
            attempts,
            error,
        )
    return DeliveryResult(channel.name, ids, status, attempts, error, digest_day)


def deliver_pending(
    con,
    watchlist: Watchlist,
    *,
    now: datetime | None = None,
    http: HttpClient | None = None,
    smtp_factory: SmtpFactory | None = None,
    digest_channels: Collection[str] | None = None,
    max_age: timedelta | None = DEFAULT_MAX_AGE,
    clock: Callable[[], float] = time.time,
) -> list[DeliveryResult]:
    """Send every recent incident to every instant channel that has not received it yet.

    Opens no transaction: call it outside one. Each state change is its own autocommitted
    UPDATE, so a message that went out is recorded at once. `max_age` (from `now`, on the
    incident's end) keeps a newly added channel, or a backfill, from paging people about old
    incidents; None sends every incident. `now` (default: the wall clock) stamps the delivery
    state; the Standard Webhooks timestamp always comes from `clock`, since receivers reject
    stale ones. Channels in digest mode are left to `deliver_digest`.
    """
    channels = [c for c in _channels(watchlist) if not is_digest(c, digest_channels)]
    if not channels:
        return []
    moment = db.utc_naive(now or datetime.now(UTC))
    since = moment - max_age if max_age is not None else None
    sender = _Sender(http or _client(watchlist), smtp_factory or default_smtp_factory, clock)
    results = []
    for incident in _rows(con, "recent_incidents", since=since):
        todo = [c for c in channels if _state(incident, c.name).get("status") != "delivered"]
        if not todo:
            continue
        alert = render_alert(incident, watchlist.locale)
        msg_id = message_id("incident", str(incident["incident_id"]))
        for channel in todo:
            results.append(_attempt(con, sender, channel, [incident], alert, msg_id, moment, None))
    return results


def deliver_digest(
    con,
    watchlist: Watchlist,
    day: date,
    *,
    now: datetime | None = None,
    http: HttpClient | None = None,
    smtp_factory: SmtpFactory | None = None,
    digest_channels: Collection[str] | None = None,
    clock: Callable[[], float] = time.time,
) -> list[DeliveryResult]:
    """One message per digest channel with the incidents that started on `day` (UTC) and that
    the channel has not received yet; nothing is sent for a quiet day or a rerun.

    Same transaction rule as `deliver_pending`. Every incident of the message gets the same
    delivery entry (mode "digest", `digest_day`), so a rerun sends only late incidents.
    """
    channels = [c for c in _channels(watchlist) if is_digest(c, digest_channels)]
    if not channels:
        return []
    start = datetime(day.year, day.month, day.day)
    incidents = _rows(con, "day_incidents", day_start=start, day_end=start + timedelta(days=1))
    moment = db.utc_naive(now or datetime.now(UTC))
    sender = _Sender(http or _client(watchlist), smtp_factory or default_smtp_factory, clock)
    results = []
    for channel in channels:
        todo = [i for i in incidents if _state(i, channel.name).get("status") != "delivered"]
        if not todo:
            continue
        alert = render_digest(todo, day, watchlist.locale)
        ids = sorted(str(i["incident_id"]) for i in todo)
        msg_id = message_id("digest", channel.name, day.isoformat(), *ids)
        results.append(_attempt(con, sender, channel, todo, alert, msg_id, moment, day))
    return results


def summarize(results: Iterable[DeliveryResult]) -> str:
    """One line for the CLI: how many messages went out, and how many failed."""
    results = list(results)
    failed = [r for r in results if r.status == "failed"]
    line = f"alerts: {len(results) - len(failed)} delivered, {len(failed)} failed"
    if failed:
        line += " (" + "; ".join(f"{r.channel}: {r.error}" for r in failed[:3]) + ")"
    return line


def run_alerts(
    paths, watchlist: Watchlist, *, now: datetime | None = None, digest_day: date | None = None
) -> dict:
    """`vigie alerts` and the vigie_alerts DAG: detection, then delivery, then the digest.

    Detection writes in one transaction; delivery is recorded per message outside it, so a
    message that went out is never forgotten by a later rollback.
    """
    from pipelines import db
    from pipelines.incidents import detect_incidents

    con = db.connect(paths.db)
    try:
        incidents = detect_incidents(con, watchlist, now=now)
        results = deliver_pending(con, watchlist)
        if digest_day is not None:
            results += deliver_digest(con, watchlist, digest_day)
    finally:
        con.close()
    return {
        "incidents": incidents,
        "summary": summarize(results),
        "failed": sum(r.status == "failed" for r in results),
    }
