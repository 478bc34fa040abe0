"""From the hourly marts to explained incidents: detection per brand, cooldown, explanation.

The detectors (pipelines.spikes) read four hourly series per brand: negative mentions (the
main one), total volume, negative share and reach-weighted negative volume. Anomalies of
different metrics that overlap or follow each other within the cooldown are one incident,
which records which metrics fired; its main metric is the first of METRICS that fired. A
detected incident that overlaps, or follows within the cooldown, an incident already stored
for the same brand continues it under the same id, so an ongoing crisis is one incident that
grows (and is alerted once), not a new alert every hour. Each brand's `spikes:` block in the
watchlist sets its sensitivity.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd

from pipelines import db
from pipelines.match import fold
from pipelines.settings import SpikeConfig, Watchlist
from pipelines.spikes import DEFAULT_SETTINGS, DetectorSettings, Incident, detect, detect_share

METRIC = "negative_mentions"
# Watched metrics, main one first: an incident's `metric` is the first of these that fired.
METRICS = ("negative_mentions", "negative_share", "negative_reach", "mentions")
# sensitivity preset -> (change to the score threshold, factor on the minimum excess)
SENSITIVITY = {"low": (1.0, 2.0), "normal": (0.0, 1.0), "high": (-1.0, 0.5)}
HISTORY = timedelta(days=35)  # four weeks of seasonality plus the warm-up
SAMPLES = 5


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _rows(con, name: str, **params: Any) -> list[dict[str, Any]]:
    return db.fetch_dicts(con, f"incidents/{name}", **params)


def hourly_frame(con, brand: str, end: datetime) -> pd.DataFrame:
    """The brand's hourly mentions, negative and negative_reach over the history window."""
    rows = _rows(con, "hourly_metrics", brand=brand, start=_naive(end - HISTORY), end=_naive(end))
    index = pd.DatetimeIndex([r["hour"] for r in rows]).tz_localize("UTC")
    columns = ("mentions", "negative", "negative_reach")
    return pd.DataFrame(
        {c: [float(r[c] or 0) for r in rows] for c in columns}, index=index, dtype=float
    )


def brand_settings(spikes: SpikeConfig | None, base: DetectorSettings) -> DetectorSettings:
    """The detector settings for one brand: its sensitivity preset, then explicit values."""
    if spikes is None:
        return base
    shift, factor = SENSITIVITY[spikes.sensitivity]
    threshold = base.threshold + shift if spikes.threshold is None else spikes.threshold
    min_excess = base.min_excess * factor if spikes.min_count is None else spikes.min_count
    changes: dict[str, Any] = {"threshold": max(threshold, 0.5), "min_excess": min_excess}
    if spikes.cooldown_hours is not None:
        changes["cooldown"] = f"{spikes.cooldown_hours}h"
    return replace(base, **changes)


def detect_metrics(frame: pd.DataFrame, settings: DetectorSettings) -> list[tuple[str, Incident]]:
    """Anomalies of every watched metric in one brand's hourly frame, as (metric, incident).

    Reach is heavy-tailed and not a count: it is divided by the brand's reach per negative
    mention over the history, so the detector's count guards read as "mentions' worth of
    reach", and peaks and baselines are scaled back to reach.
    """
    found = [(METRIC, i) for i in detect(frame["negative"], "1h", settings)]
    # all mentions outnumber negative ones several times: the same excess means less there
    louder = replace(settings, min_excess=2 * settings.min_excess)
    found += [("mentions", i) for i in detect(frame["mentions"], "1h", louder)]
    found += [
        ("negative_share", i)
        for i in detect_share(frame["negative"], frame["mentions"], "1h", settings)
    ]
    per = max(1.0, float(frame["negative_reach"].sum()) / max(1.0, float(frame["negative"].sum())))
    negative = frame["negative"]
    for i in detect(frame["negative_reach"] / per, "1h", settings):
        # one post from a big account is a post to answer, not a spike: the reach must come
        # with at least half the minimum excess in negative mentions
        inside = negative[(negative.index >= i.start) & (negative.index < i.end)]
        if inside.sum() < settings.min_excess / 2:
            continue
        scaled = replace(i, peak_value=i.peak_value * per, baseline=i.baseline * per)
        found.append(("negative_reach", scaled))
    return found


@dataclass(frozen=True)
class Merged:
    """Anomalies of one brand that overlap in time (cooldown included): one incident."""

    metric: str  # the main metric that fired
    main: Incident  # its strongest anomaly: peak, baseline and score of the incident
    start: datetime
    end: datetime
    parts: tuple[tuple[str, Incident], ...]

    @property
    def metrics(self) -> list[str]:
        fired = {m for m, _ in self.parts}
        return [m for m in METRICS if m in fired]


def merge(found: list[tuple[str, Incident]], cooldown: timedelta) -> list[Merged]:
    """Group anomalies whose spans overlap or lie within `cooldown` of each other."""
    groups: list[list[tuple[str, Incident]]] = []
    end: datetime | None = None
    for metric, incident in sorted(found, key=lambda f: (f[1].start, METRICS.index(f[0]))):
        if groups and end is not None and incident.start <= end + cooldown:
            groups[-1].append((metric, incident))
            end = max(end, incident.end)
        else:
            groups.append([(metric, incident)])
            end = incident.end
    merged = []
    for parts in groups:
        metric = min((m for m, _ in parts), key=METRICS.index)
        main = max(
            (i for m, i in parts if m == metric), key=lambda i: (i.score, -i.start.timestamp())
        )
        merged.append(
            Merged(
                metric=metric,
                main=main,
                start=min(i.start for _, i in parts),
                end=max(i.end for _, i in parts),
                parts=tuple(parts),
            )
        )
    return merged


def _fired(merged: Merged) -> list[dict[str, Any]]:
    """Per metric that fired: its strongest anomaly, for the explanation."""
    out = []
    for metric in merged.metrics:
        best = max((i for m, i in merged.parts if m == metric), key=lambda i: i.score)
        out.append({"metric": metric, **best.as_dict()})
    return out


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


def _incident_id(brand: str, start: datetime, metric: str = METRIC) -> str:
    """Keyed on the main metric's own start: a negative-count incident keeps the id it had
    before other metrics were watched, so what was delivered is not sent again."""
    key = f"{brand}|{metric}|{_naive(start).isoformat()}"
    return hashlib.sha256(key.encode()).hexdigest()[:20]


def _continuing(
    con, brand: str, start: datetime, end: datetime, cooldown: timedelta
) -> dict | None:
    """The stored incident this detection continues (overlap or within the cooldown)."""
    rows = _rows(
        con,
        "open_incidents",
        brand=brand,
        start=_naive(start),
        cooldown_hours=int(cooldown.total_seconds() // 3600),
    )
    return next((row for row in rows if row["start_at"] < _naive(end)), None)


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
    config_of = {b.name: b.spikes for b, _ in watchlist.all_brands()}
    stored: dict[str, dict[str, Any]] = {}
    with db.transaction(con):
        for brand in brands:
            frame = hourly_frame(con, brand, end)
            if frame.empty:
                continue
            mine = brand_settings(config_of.get(brand), settings)
            cooldown = mine.span("cooldown").to_pytimedelta()
            for merged in merge(detect_metrics(frame, mine), cooldown):
                incident = merged.main
                previous = _continuing(con, brand, merged.start, merged.end, cooldown)
                start, stop = merged.start, merged.end
                if previous:  # explain the whole incident, not only its latest stretch
                    start = min(start, previous["start_at"].replace(tzinfo=UTC))
                    stop = max(stop, previous["end_at"].replace(tzinfo=UTC))
                incident_id = (
                    previous["incident_id"]
                    if previous
                    else _incident_id(brand, incident.start, merged.metric)
                )
                explanation = explain(con, brand, start, stop, terms_of.get(brand, ()))
                explanation["metrics"] = _fired(merged)
                con.execute(
                    db.sql("incidents/upsert"),
                    {
                        "incident_id": incident_id,
                        "brand": brand,
                        "metric": merged.metric,
                        "start_at": _naive(merged.start),
                        "end_at": _naive(merged.end),
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
                    "metric": merged.metric,
                    "metrics": merged.metrics,
                    **incident.as_dict(),
                    "start": start.isoformat(),
                    "end": stop.isoformat(),
                }
    return list(stored.values())
