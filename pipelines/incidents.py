"""From the hourly marts to explained incidents: detection per brand, cooldown, explanation.

The detector (pipelines.spikes) reads each brand's hourly negative-mention series. A detected
incident that overlaps, or follows within the cooldown, an incident already stored for the
same brand and metric continues it under the same id, so an ongoing crisis is one incident
that grows (and is alerted once), not a new alert every hour.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from pipelines import db
from pipelines.match import fold
from pipelines.settings import Watchlist
from pipelines.spikes import DEFAULT_SETTINGS, DetectorSettings, Incident, detect

METRIC = "negative_mentions"
HISTORY = timedelta(days=35)  # four weeks of seasonality plus the warm-up
SAMPLES = 5


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _rows(con, name: str, **params: Any) -> list[dict[str, Any]]:
    return db.fetch_dicts(con, f"incidents/{name}", **params)


def hourly_series(con, brand: str, end: datetime) -> pd.Series:
    rows = _rows(con, "hourly_negative", brand=brand, start=_naive(end - HISTORY), end=_naive(end))
    index = pd.DatetimeIndex([r["hour"] for r in rows]).tz_localize("UTC")
    return pd.Series([float(r["negative"]) for r in rows], index=index, dtype=float)


def explain(
    con, brand: str, start: datetime, end: datetime, own_terms: Sequence[str] = ()
) -> dict[str, Any]:
    """What happened inside the incident, against the week before it. The brand's own names
    are left out of the top terms: every mention carries them by construction."""
    params = {"brand": brand, "start": _naive(start), "end": _naive(end)}
    [volume] = _rows(con, "explain_volume", **params)
    own = {fold(t) for t in [*own_terms, brand]}
    rows = _rows(con, "explain_terms", **params)
    # Hashtags stay (a crisis hashtag may be in the watchlist); only the bare brand tag goes.
    terms = [t for t in rows if not t["term"].startswith(("#", "@")) and fold(t["term"]) not in own]
    tags = [t for t in rows if t["term"].startswith("#") and fold(t["term"])[1:] != fold(brand)]
    samples = _rows(con, "explain_samples", limit=SAMPLES, **params)
    return {
        "window": {"start": start.isoformat(), "end": end.isoformat()},
        "volume": {
            "mentions": volume["mentions"],
            "negative": volume["negative"],
            "baseline": round(float(volume["expected_mentions"] or 0), 1),
        },
        "negative_share": {
            "now": _round(volume["negative_share"]),
            "before": _round(volume["negative_share_before"]),
        },
        "top_terms": [[t["term"], t["now"], t["before"]] for t in terms][:10],
        "top_hashtags": [[t["term"], t["now"]] for t in tags][:5],
        "sources": [[s["source"], s["mentions"]] for s in _rows(con, "explain_sources", **params)],
        "samples": [
            {
                "text": s["text"][:500],
                "url": s["url"],
                "source": s["source"],
                "author": s["author"],
                "reach": s["reach"],
                "published_at": s["published_at"].isoformat(),
            }
            for s in samples
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 3)


def _incident_id(brand: str, start: datetime) -> str:
    key = f"{brand}|{METRIC}|{_naive(start).isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _continuing(con, brand: str, incident: Incident, cooldown: timedelta) -> dict | None:
    """The stored incident this detection continues (overlap or within the cooldown)."""
    rows = _rows(
        con,
        "open_incidents",
        brand=brand,
        metric=METRIC,
        start=_naive(incident.start),
        cooldown_hours=int(cooldown.total_seconds() // 3600),
    )
    return next((row for row in rows if row["start_at"] < _naive(incident.end)), None)


def detect_incidents(
    con,
    watchlist: Watchlist,
    *,
    now: datetime | None = None,
    settings: DetectorSettings = DEFAULT_SETTINGS,
) -> list[dict[str, Any]]:
    """Detect, explain and store incidents for every brand; returns one entry per stored
    incident (a detection that continues an incident updates it)."""
    end = (now or datetime.now(UTC)).replace(minute=0, second=0, microsecond=0)
    brands = [b.name for b, _ in watchlist.all_brands()] or [
        r[0] for r in con.execute("select distinct brand from mart_brand_hourly").fetchall()
    ]
    terms_of = {b.name: b.terms() for b, _ in watchlist.all_brands()}
    stored: dict[str, dict[str, Any]] = {}
    cooldown = settings.span("cooldown").to_pytimedelta()
    with db.transaction(con):
        for brand in brands:
            series = hourly_series(con, brand, end)
            if series.empty:
                continue
            for incident in detect(series, "1h", settings):
                previous = _continuing(con, brand, incident, cooldown)
                start, stop = incident.start, incident.end
                if previous:  # explain the whole incident, not only its latest stretch
                    start = min(start, previous["start_at"].replace(tzinfo=UTC))
                    stop = max(stop, previous["end_at"].replace(tzinfo=UTC))
                incident_id = (
                    previous["incident_id"] if previous else _incident_id(brand, incident.start)
                )
                explanation = explain(con, brand, start, stop, terms_of.get(brand, ()))
                con.execute(
                    db.sql("incidents/upsert"),
                    {
                        "incident_id": incident_id,
                        "brand": brand,
                        "metric": METRIC,
                        "start_at": _naive(incident.start),
                        "end_at": _naive(incident.end),
                        "peak_at": _naive(incident.peak),
                        "peak_value": incident.peak_value,
                        "baseline": incident.baseline,
                        "score": incident.score,
                        "explanation": json.dumps(explanation, ensure_ascii=False),
                        "now": _naive(datetime.now(UTC)),
                    },
                )
                stored[incident_id] = {
                    "incident_id": incident_id,
                    "brand": brand,
                    **incident.as_dict(),
                    "start": start.isoformat(),
                    "end": stop.isoformat(),
                }
    return list(stored.values())
