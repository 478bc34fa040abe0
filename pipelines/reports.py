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

from pipelines import charts, db
from pipelines.report_labels import LABELS
from pipelines.settings import Paths, Watchlist

TEMPLATES = Path(__file__).resolve().parent / "templates"
TREND_DAYS = 30
TABLE_LIMIT = 10
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
    cursor = con.execute(db.sql(f"reports/{name}"), params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


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


def _write_csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        if rows:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


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

    def signed(value: Any, suffix: str = "%") -> str:
        if value is None:
            return "–"
        sign = "+" if value > 0 else ""
        return f"{sign}{charts.format_number(float(value), locale, 1)}{suffix}"

    return number, signed


class _Context:
    """Shared bits of one rendering: labels, number formatting, the output folder."""

    def __init__(self, con, watchlist: Watchlist, day: date, out_dir: Path) -> None:
        self.con = con
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
    negatives = _rows(
        con, "top_mentions", brand=brand, day=day, label="negative", limit=TABLE_LIMIT
    )
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
    }
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
    )
    return path, {"cards": cards, "negatives": negatives, "positives": positives}


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
    tables = {"share-of-voice": sov, "summary": summary, "competitor-mentions": notable}
    csvs += [_write_csv(ctx.out_dir / f"competitive-{name}-{k}.csv", v) for k, v in tables.items()]

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
    path = ctx.render(
        "competitive.html.j2",
        ctx.out_dir / f"competitive-{name}.html",
        brand=brand,
        competitors=competitors,
        start=start,
        charts=chart_svgs,
        summary=summary,
        notable=notable,
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
