"""The daily reputation report and the competitive-watch report: HTML, CSV and a digest.

Every figure comes from SQL in sql/reports over the marts (or a bounded slice of mentions),
so a month of a large store never travels into Python. Mention text is untrusted: the
templates autoescape it and links are kept only when they are plain http(s).
"""

from __future__ import annotations

import csv
import json
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipelines import audience, charts, community, db, topics
from pipelines.report_labels import LABELS
from pipelines.settings import Paths, Watchlist

TEMPLATES = Path(__file__).resolve().parent / "templates"
TREND_DAYS = 30
TABLE_LIMIT = 10
TOPIC_LIMIT = 10  # terms per list (top, rising) and sentiment
TOPIC_MIN_COUNT = 3  # a rising term is counted at least this many times on the day
COMPETITIVE_TOPIC_MIN = 5  # mentions of a term about both brands before comparing them
COMPETITIVE_TOPIC_LIMIT = 5  # terms per competitor and side (gains, loses)
# Okabe-Ito without black, own brand first in blue: distinct for colour-blind readers.
BRAND_COLORS = ("#0072B2", "#E69F00", "#56B4E9", "#CC79A7", "#009E73", "#F0E442", "#D55E00")


@dataclass(frozen=True)
class ReportSet:
    brand: str
    reputation: Path
    competitive: Path
    digest: Path
    csvs: tuple[Path, ...]


def slug(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "brand"


def safe_url(url: Any) -> str | None:
    """Only http(s) links reach an href; anything else (javascript:, data:) is dropped."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def _rows(con, name: str, **params: Any) -> list[dict[str, Any]]:
    return db.fetch_dicts(con, f"reports/{name}", **params)


def _delta(current: float | None, reference: float | None, points: bool = False) -> float | None:
    if current is None or reference is None:
        return None
    if points:
        return round(current - reference, 1)
    return None if reference == 0 else round(100.0 * (current - reference) / reference, 1)


def _headline(con, brand: str, day: date) -> list[dict[str, Any]]:
    row = _rows(con, "headline", brand=brand, day=day)[0]
    cards = []
    for key, points in (
        ("mentions", False),
        ("reach", False),
        ("engagement", False),
        ("net_sentiment", True),
    ):
        value = row[key] if row[key] is not None else (None if points else 0)
        cards.append(
            {
                "key": key,
                "value": value,
                "vs_prev": _delta(value, row[f"prev_{key}"], points),
                "vs_avg7": _delta(value, row[f"avg7_{key}"], points),
                "points": points,
            }
        )
    return cards


def _write_csv(path: Path, rows: list[dict[str, Any]], fieldnames: list[str] | None = None) -> Path:
    """One table as CSV; with `fieldnames`, an empty table still gets its header row."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        names = list(rows[0]) if rows else fieldnames
        if names:
            writer = csv.DictWriter(handle, fieldnames=names)
            writer.writeheader()
            writer.writerows(rows)
    return path


TOPIC_COLUMNS = [
    "sentiment",
    "list",
    "term",
    "mentions",
    "previous_7d",
    "lift",
    "sample_source",
    "sample_author",
    "sample_text",
    "sample_url",
]


def _topics(con, brand: str, day: date) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per sentiment, the day's top terms and its rising terms (lift against the 7 days
    before, from `topics.trending`), each with the counts from SQL and a sample mention."""
    result: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for label in ("negative", "positive"):
        rows = _rows(con, "topics", brand=brand, day=day, label=label)
        current = {r["term"]: r["mentions"] for r in rows if r["mentions"]}
        previous = {r["term"]: r["previous"] for r in rows if r["previous"]}
        # Every current term's lift (min_lift=0 keeps them all); rising ones have lift > 1.
        lifts = {
            term: lift for term, _, _, lift in topics.trending(current, previous, 1, min_lift=0.0)
        }
        by_term = {r["term"]: r for r in rows}

        def entry(term: str, label=label, by_term=by_term, lifts=lifts) -> dict[str, Any]:
            r = by_term[term]
            return {
                "sentiment": label,
                "term": term,
                "mentions": r["mentions"],
                "previous_7d": r["previous"],
                "lift": lifts.get(term),
                "sample_source": r["sample_source"],
                "sample_author": r["sample_author"],
                "sample_text": r["sample_text"],
                "sample_url": r["sample_url"],
            }

        top = [entry(r["term"]) for r in rows if r["mentions"]][:TOPIC_LIMIT]
        rising = [
            entry(term)
            for term, *_ in topics.trending(current, previous, TOPIC_MIN_COUNT)[:TOPIC_LIMIT]
        ]
        result[label] = {"top": top, "rising": rising}
    return result


def _topic_rows(found: dict[str, dict[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    return [
        {"list": kind, **{k: row[k] for k in TOPIC_COLUMNS if k != "list"}}
        for label in ("negative", "positive")
        for kind in ("top", "rising")
        for row in found[label][kind]
    ]


def _accounts(competitors: list[str], watchlist: Watchlist) -> tuple[list[str], list[str]]:
    """(competitor, account name) pairs of the competitors' own accounts, lowercased: the
    watchlist handles without '@', the competitor's name and "<name> official"."""
    handles = {c.name: c.handles for c in watchlist.competitors}
    pairs = sorted(
        {
            (name, account.lower())
            for name in competitors
            for account in (
                name,
                f"{name} official",
                *(h.lstrip("@") for h in handles.get(name, [])),
            )
        }
    )
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _environment():
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    return env


def _fmt(locale: str):
    def number(value: Any, decimals: int = 0) -> str:
        return "–" if value is None else charts.format_number(float(value), locale, decimals)

    def signed(value: Any, suffix: str = "%", decimals: int = 1) -> str:
        if value is None:
            return "–"
        sign = "+" if value > 0 else ""
        return f"{sign}{charts.format_number(float(value), locale, decimals)}{suffix}"

    return number, signed


class _Context:
    """Shared bits of one rendering: labels, number formatting, the output folder."""

    def __init__(self, con, watchlist: Watchlist, day: date, out_dir: Path) -> None:
        self.con = con
        self.watchlist = watchlist
        self.day = day
        self.out_dir = out_dir
        self.locale = watchlist.locale
        self.t = LABELS[self.locale]
        self.number, self.signed = _fmt(self.locale)
        self.env = _environment()
        self.generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    def render(self, template: str, path: Path, **context: Any) -> Path:
        html = self.env.get_template(template).render(
            t=self.t,
            number=self.number,
            signed=self.signed,
            generated=self.generated,
            locale=self.locale,
            day=self.day,
            **context,
        )
        path.write_text(html, encoding="utf-8")
        return path


def _reputation(ctx: _Context, brand: str, csvs: list[Path]) -> tuple[Path, dict[str, Any]]:
    con, day, t, name = ctx.con, ctx.day, ctx.t, slug(brand)
    start = day - timedelta(days=TREND_DAYS - 1)
    cards = _headline(con, brand, day)
    hourly = _rows(con, "hourly", brand=brand, day=day)
    incidents = [
        {**i, "explanation": json.loads(i["explanation"] or "{}")}
        for i in _rows(con, "incidents", brand=brand, day=day)
    ]
    incident_hours = [
        n
        for n, h in enumerate(hourly)
        if any(i["start_at"] <= h["hour"] < i["end_at"] for i in incidents)
    ]
    trend = _rows(con, "trend", brand=brand, start=start, end=day)
    negatives = _rows(con, "needs_response", brand=brand, day=day, limit=TABLE_LIMIT)
    found_topics = _topics(con, brand, day)
    positives = _rows(
        con, "top_mentions", brand=brand, day=day, label="positive", limit=TABLE_LIMIT
    )
    advocates = _rows(
        con, "authors", brand=brand, start=start, end=day, label="positive", limit=TABLE_LIMIT
    )
    detractors = _rows(
        con, "authors", brand=brand, start=start, end=day, label="negative", limit=TABLE_LIMIT
    )
    breakdown = _rows(con, "breakdown", brand=brand, day=day)
    health = community.health(con, brand, day, ctx.watchlist, start, TABLE_LIMIT)
    tables = {
        "headline": cards,
        "hourly": hourly,
        "trend": trend,
        "needs-response": negatives,
        "top-positive": positives,
        "advocates": advocates,
        "detractors": detractors,
        "breakdown": breakdown,
    }
    csvs += [_write_csv(ctx.out_dir / f"reputation-{name}-{k}.csv", v) for k, v in tables.items()]
    csvs.append(
        _write_csv(
            ctx.out_dir / f"reputation-{name}-topics.csv",
            _topic_rows(found_topics),
            TOPIC_COLUMNS,
        )
    )
    csvs += [
        _write_csv(ctx.out_dir / f"reputation-{name}-{k}.csv", v, columns)
        for k, v, columns in (
            ("response-summary", [health["summary"]], None),
            ("responses", health["responses"], community.RESPONSE_COLUMNS),
            ("unanswered", health["queue"], community.QUEUE_COLUMNS),
            ("audience-growth", health["growth"], audience.GROWTH_COLUMNS),
            ("audience-daily", health["daily"], ["day", "brand", "followers", "net_new"]),
            ("audience-monthly", health["monthly"], ["month", "brand", "net_new"]),
        )
    ]

    sentiment_series = {
        t[k]: [float(h[k]) for h in hourly] for k in ("positive", "neutral", "negative")
    }
    colors = {t[k]: charts.SENTIMENT_COLORS[k] for k in ("positive", "neutral", "negative")}
    by_source = [r for r in breakdown if r["dimension"] == "source"]
    by_lang = [r for r in breakdown if r["dimension"] == "language"]
    chart_svgs = {
        "hourly": charts.stacked_bar_chart(
            [f"{h['hour']:%H}" for h in hourly],
            sentiment_series,
            title=t["hourly_title"],
            y_label=t["mentions_axis"],
            x_label=t["hour"],
            colors=colors,
            highlight=incident_hours,
            highlight_label=t["incident"],
            locale=ctx.locale,
        ),
        "trend": charts.line_chart(
            [f"{d['day']:%m-%d}" for d in trend],
            {t["volume"]: [float(d["mentions"]) for d in trend]},
            secondary={t["net_sentiment"]: [d["net_sentiment"] for d in trend]},
            secondary_label=t["net_axis"],
            title=t["trend_title"],
            y_label=t["mentions_axis"],
            x_label=t["day"],
            y_min=0,
            locale=ctx.locale,
        ),
        "sources": charts.hbar_chart(
            [r["value"] for r in by_source],
            [float(r["mentions"]) for r in by_source],
            title=t["sources_title"],
            x_label=t["mentions_axis"],
            locale=ctx.locale,
        ),
        "languages": charts.hbar_chart(
            [r["value"] for r in by_lang],
            [float(r["mentions"]) for r in by_lang],
            title=t["languages_title"],
            x_label=t["mentions_axis"],
            locale=ctx.locale,
        ),
        "net_new_followers": charts.line_chart(
            [f"{d['day']:%m-%d}" for d in health["daily"]],
            {t["net_new_followers"]: [d["net_new"] for d in health["daily"]]},
            title=t["net_new_followers_title"],
            y_label=t["followers"],
            x_label=t["day"],
            locale=ctx.locale,
        ),
    }
    for label in ("negative", "positive"):
        top = found_topics[label]["top"]
        chart_svgs[f"topics_{label}"] = charts.hbar_chart(
            [r["term"] for r in top],
            [float(r["mentions"]) for r in top],
            title=t[f"topics_{label}_title"],
            x_label=t["mentions_axis"],
            color=charts.SENTIMENT_COLORS[label],
            locale=ctx.locale,
        )
    path = ctx.render(
        "reputation.html.j2",
        ctx.out_dir / f"reputation-{name}.html",
        brand=brand,
        cards=cards,
        charts=chart_svgs,
        negatives=negatives,
        positives=positives,
        advocates=advocates,
        detractors=detractors,
        breakdown=breakdown,
        incidents=incidents,
        topics=found_topics,
        health=health,
    )
    return path, {
        "cards": cards,
        "negatives": negatives,
        "positives": positives,
        "health": health,
    }


def _competitive(
    ctx: _Context, brand: str, competitors: list[str], csvs: list[Path]
) -> tuple[Path, list[dict[str, Any]]]:
    con, day, t, name = ctx.con, ctx.day, ctx.t, slug(brand)
    start = day - timedelta(days=TREND_DAYS - 1)
    brands = [brand, *competitors]
    sov = _rows(con, "share_of_voice", brands=brands, start=start, end=day)
    summary = _rows(con, "competitive_summary", brands=brands, start=start, end=day)
    notable = _rows(
        con,
        "competitor_mentions",
        brands=competitors,
        start=start,
        end=day,
        limit=TABLE_LIMIT,
    )
    spikes = _rows(con, "competitor_incidents", brands=competitors, start=start, end=day)
    account_brands, account_names = _accounts(competitors, ctx.watchlist)
    accounts = {"account_brands": account_brands, "account_names": account_names}
    activity = _rows(con, "competitor_activity", start=start, end=day, **accounts)
    activity_daily = _rows(
        con, "competitor_activity_daily", brands=competitors, start=start, end=day, **accounts
    )
    topic_gaps = _rows(
        con,
        "competitive_topics",
        brand=brand,
        brands=brands,
        start=start,
        end=day,
        min_mentions=COMPETITIVE_TOPIC_MIN,
        limit=COMPETITIVE_TOPIC_LIMIT,
        stopwords=topics.stopwords(),
    )
    growth = audience.comparison(con, brands, start, day)
    tables = {"share-of-voice": sov, "summary": summary, "competitor-mentions": notable}
    csvs += [_write_csv(ctx.out_dir / f"competitive-{name}-{k}.csv", v) for k, v in tables.items()]
    csvs += [
        _write_csv(ctx.out_dir / f"competitive-{name}-{k}.csv", v, columns)
        for k, v, columns in (
            ("competitor-activity", activity, ["brand", "source", "account", "posts"]),
            ("competitor-activity-daily", activity_daily, ["day", "brand", "posts"]),
            ("competitive-topics", topic_gaps, ["competitor", "term", "gap", "side"]),
            ("growth", growth["comparison"], audience.COMPARISON_COLUMNS),
            ("engagement-rate", growth["posts"], audience.ENGAGEMENT_COLUMNS),
        )
    ]

    days = sorted({r["day"] for r in sov})
    palette = dict(zip(brands, BRAND_COLORS, strict=False))
    share = {b: [100.0 * r["share"] for r in sov if r["brand"] == b] for b in brands}
    volume = {b: [float(r["mentions"]) for r in sov if r["brand"] == b] for b in brands}
    by_brand = {r["brand"]: r for r in summary}
    chart_svgs = {
        "sov_daily": charts.stacked_bar_chart(
            [f"{d:%m-%d}" for d in days],
            share,
            title=t["sov_title"],
            y_label=t["share_axis"],
            x_label=t["day"],
            colors=palette,
            locale=ctx.locale,
        ),
        "sov_period": charts.hbar_chart(
            brands,
            [float(by_brand[b]["share_of_voice_pct"] or 0) for b in brands],
            title=t["sov_period_title"],
            x_label=t["share_axis"],
            value_suffix="%",
            locale=ctx.locale,
        ),
        "sentiment": charts.grouped_bar_chart(
            brands,
            {
                t["positive_pct"]: [float(by_brand[b]["positive_pct"] or 0) for b in brands],
                t["negative_pct"]: [float(by_brand[b]["negative_pct"] or 0) for b in brands],
            },
            title=t["sentiment_compare_title"],
            y_label="%",
            colors={
                t["positive_pct"]: charts.SENTIMENT_COLORS["positive"],
                t["negative_pct"]: charts.SENTIMENT_COLORS["negative"],
            },
            locale=ctx.locale,
        ),
        "volume": charts.line_chart(
            [f"{d:%m-%d}" for d in days],
            volume,
            title=t["volume_compare_title"],
            y_label=t["mentions_axis"],
            x_label=t["day"],
            colors=palette,
            y_min=0,
            locale=ctx.locale,
        ),
    }
    act_days = sorted({r["day"] for r in activity_daily})
    for key, column, axis in (
        ("activity_posts", "posts", "posts_axis"),
        ("activity_engagement", "engagement", "engagement_axis"),
    ):
        chart_svgs[key] = charts.grouped_bar_chart(
            [f"{d:%m-%d}" for d in act_days],
            {c: [float(r[column]) for r in activity_daily if r["brand"] == c] for c in competitors},
            title=t[f"{key}_title"],
            y_label=t[axis],
            colors=palette,
            locale=ctx.locale,
        )
    gap_charts = []
    for competitor in competitors:
        rows = [r for r in topic_gaps if r["competitor"] == competitor]
        if not rows:
            continue
        rows.sort(key=lambda r: -r["gap"])
        gap_charts.append(
            charts.grouped_bar_chart(
                [r["term"] for r in rows],
                {
                    brand: [float(r["brand_net"]) for r in rows],
                    competitor: [float(r["competitor_net"]) for r in rows],
                },
                title=t["competitive_topics_title"].format(brand=brand, competitor=competitor),
                y_label=t["net_axis_short"],
                colors={brand: palette[brand], competitor: palette[competitor]},
                locale=ctx.locale,
            )
        )
    path = ctx.render(
        "competitive.html.j2",
        ctx.out_dir / f"competitive-{name}.html",
        brand=brand,
        competitors=competitors,
        start=start,
        charts=chart_svgs,
        summary=summary,
        notable=notable,
        spikes=spikes,
        activity=activity,
        topic_gaps=topic_gaps,
        gap_charts=gap_charts,
        topic_min=COMPETITIVE_TOPIC_MIN,
        growth=growth,
    )
    return path, summary


def _digest(ctx: _Context, brand: str, rep: dict[str, Any], summary: list[dict]) -> str:
    t, number, signed = ctx.t, ctx.number, ctx.signed
    cards = {c["key"]: c for c in rep["cards"]}
    mine = next((r for r in summary if r["brand"] == brand), None)
    lines = [
        f"**{brand} — {ctx.day.isoformat()}**",
        f"- {t['volume']}: {number(cards['mentions']['value'])} "
        f"({signed(cards['mentions']['vs_prev'])} {t['vs_prev']}); "
        f"{t['reach']}: {number(cards['reach']['value'])}; "
        f"{t['net_sentiment']}: {number(cards['net_sentiment']['value'], 1)}",
    ]
    if rep["negatives"]:
        top = rep["negatives"][0]
        lines.append(
            f"- {t['needs_response']}: {len(rep['negatives'])} — "
            f"“{top['text'][:140]}” ({top['source']})"
        )
    if rep["positives"]:
        lines.append(f"- {t['top_positive']}: “{rep['positives'][0]['text'][:140]}”")
    health = rep["health"]
    if health["owned"] and health["summary"]["needing"]:
        s = health["summary"]
        lines.append(
            f"- {t['response_rate']}: {number(s['response_rate_pct'], 1)}% "
            f"({t['answered_of'].format(answered=s['answered'], needing=s['needing'])}); "
            f"{t['median_response']}: {number(s['median_minutes'])} min; "
            f"{t['unanswered_queue']}: {len(health['queue'])}"
        )
    if mine:
        share = number(mine["share_of_voice_pct"], 1)
        lines.append(f"- {t['share_of_voice']} ({t['last_30_days']}): {share}%")
    return "\n".join(lines) + "\n"


def _brands(con, watchlist: Watchlist) -> tuple[list[str], list[str]]:
    if watchlist.brands:
        return [b.name for b in watchlist.brands], [c.name for c in watchlist.competitors]
    rows = _rows(con, "brands")
    return (
        [r["brand"] for r in rows if not r["is_competitor"]],
        [r["brand"] for r in rows if r["is_competitor"]],
    )


def write_reports(
    paths: Paths, watchlist: Watchlist, day: date, out: Path | None = None
) -> list[ReportSet]:
    """Both reports for every own brand; `out` defaults to <reports>/<day>/."""
    out_dir = out or paths.reports / day.isoformat()
    out_dir.mkdir(parents=True, exist_ok=True)
    con = db.connect(paths.db, read_only=True)
    try:
        ctx = _Context(con, watchlist, day, out_dir)
        own, competitors = _brands(con, watchlist)
        written = []
        for brand in own:
            csvs: list[Path] = []
            reputation, rep = _reputation(ctx, brand, csvs)
            competitive, summary = _competitive(ctx, brand, competitors, csvs)
            digest = out_dir / f"digest-{slug(brand)}.md"
            digest.write_text(_digest(ctx, brand, rep, summary), encoding="utf-8")
            written.append(ReportSet(brand, reputation, competitive, digest, tuple(csvs)))
    finally:
        con.close()
    write_index(out or paths.reports, watchlist.locale)
    return written


def write_index(root: Path, locale: str = "en") -> Path:
    """A page listing every HTML report under `root`, newest first."""
    pages = sorted(
        (p for p in root.rglob("*.html") if p.name != "index.html"),
        key=lambda p: (str(p.parent), p.name),
        reverse=True,
    )
    entries = [
        {
            "href": p.relative_to(root).as_posix(),
            "name": p.stem,
            "folder": p.parent.relative_to(root).as_posix(),
        }
        for p in pages
    ]
    html = (
        _environment()
        .get_template("index.html.j2")
        .render(
            t=LABELS[locale],
            entries=entries,
            locale=locale,
        )
    )
    index = root / "index.html"
    index.write_text(html, encoding="utf-8")
    return index


CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


class PdfError(RuntimeError):
    """Chromium is missing or could not print a report."""


def find_chromium() -> str | None:
    import shutil

    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def print_pdf(html: Path, chromium: str | None = None, timeout: float = 120.0) -> Path:
    """Print one self-contained HTML report to `<name>.pdf` beside it with headless Chromium,
    offline and with a throwaway profile."""
    import subprocess
    import tempfile

    browser = chromium or find_chromium()
    if not browser:
        raise PdfError("--pdf needs Chromium, which is not installed (apt-get install chromium)")
    target = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="vigie-chromium-") as profile:
        try:
            done = subprocess.run(
                [
                    browser,
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    f"--user-data-dir={profile}",
                    "--no-pdf-header-footer",
                    f"--print-to-pdf={target}",
                    html.resolve().as_uri(),
                ],
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise PdfError(f"chromium could not print {html.name}: {exc}") from exc
    if done.returncode != 0 or not target.exists() or target.stat().st_size == 0:
        raise PdfError(f"chromium could not print {html.name} (exit {done.returncode})")
    return target
