"""Incidents from the demo's marts: detected in the crisis, explained, continued, reported."""

import hashlib
import json
import shutil
from datetime import UTC, datetime, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines import db
from pipelines.errors import ConfigError
from pipelines.incidents import brand_settings, detect_incidents
from pipelines.settings import BrandConfig, SpikeConfig, Watchlist, load_watchlist
from pipelines.spikes import DetectorSettings, detect


def test_demo_crisis_is_one_explained_incident(demo):
    assert len(demo.incidents) == 1
    [incident] = demo.incidents
    assert incident["brand"] == "Velora"
    start = datetime.fromisoformat(incident["start"])
    assert datetime(2026, 11, 19, 12, tzinfo=UTC) <= start <= datetime(2026, 11, 20, 8, tzinfo=UTC)
    with duckdb.connect(str(demo.db), read_only=True) as con:
        [(explanation,)] = con.execute("select explanation from incidents").fetchall()
    e = json.loads(explanation)
    assert e["volume"]["mentions"] > 3 * e["volume"]["baseline"]
    assert e["negative_share"]["now"] > e["negative_share"]["before"] + 0.3
    terms = [t[0] for t in e["top_terms"]]
    assert {"recall", "rappel"} & set(terms) and "velora" not in {t.lower() for t in terms}
    assert e["samples"] and all(s["url"].startswith("https://") for s in e["samples"])
    assert [s["reach"] for s in e["samples"]] == sorted(
        (s["reach"] for s in e["samples"]), reverse=True
    )


def test_rerunning_detection_continues_the_same_incident(demo, tmp_path):
    store = tmp_path / "v.duckdb"
    shutil.copy(demo.db, store)
    watchlist = load_watchlist(demo.watchlist)
    con = db.connect(store)
    try:
        before = con.execute("select incident_id, start_at, end_at from incidents").fetchall()
        again = detect_incidents(con, watchlist, now=datetime(2026, 11, 21, 0, 5, tzinfo=UTC))
        after = con.execute("select incident_id, start_at, end_at from incidents").fetchall()
    finally:
        con.close()
    assert [i["incident_id"] for i in again] == [before[0][0]]
    assert after == before


def test_reputation_report_shows_the_incident_and_marks_its_hours(demo):
    [report_set] = demo.reports
    html = report_set.reputation.read_text(encoding="utf-8")
    section = html[html.index('id="incidents"') : html.index('id="needs-response"')]
    assert "From 2026-11-19" in section or "From 2026-11-20" in section
    assert "recall" in section and "https://" in section
    assert "Metrics that fired: negative mentions, negative share" in section
    assert 'class="highlight"' in html  # incident hours shaded on the hourly chart


def test_demo_delivers_the_incident_to_its_signed_webhook_sink(demo):
    [alert] = demo.alerts  # the sink keeps only messages whose signature checked out
    payload = json.loads(alert.read_text(encoding="utf-8"))
    assert payload["type"] == "incident.opened"
    assert payload["data"]["brand"] == "Velora"
    with duckdb.connect(str(demo.db), read_only=True) as con:
        [(delivery,)] = con.execute("select delivery from incidents").fetchall()
    assert json.loads(delivery)["demo-sink"]["status"] == "delivered"


def test_alerts_command_never_sends_a_delivered_incident_twice(demo, tmp_path, capsys):
    from pipelines.cli import main

    store = tmp_path / "v.duckdb"
    shutil.copy(demo.db, store)
    assert main(["--db", str(store), "--config", str(demo.watchlist), "alerts"]) == 0
    out = capsys.readouterr().out
    assert "incident " in out and "alerts: 0 delivered, 0 failed" in out


def test_competitive_report_lists_competitor_spikes(demo, tmp_path, capsys):
    from pipelines.cli import main

    store = tmp_path / "v.duckdb"
    shutil.copy(demo.db, store)
    with duckdb.connect(str(store)) as con:
        con.execute(
            "insert into incidents values ('c1', 'Cyclane', 'negative_mentions',"
            " timestamp '2026-11-18 08:00', timestamp '2026-11-18 12:00',"
            " timestamp '2026-11-18 09:00', 27, 2.5, 6.1,"
            " '{\"volume\": {\"mentions\": 64}}', '{}', now(), now())"
        )
    out = tmp_path / "out"
    assert (
        main(
            [
                "--db",
                str(store),
                "--config",
                str(demo.watchlist),
                "report",
                "--date",
                "2026-11-20",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    html = (out / "competitive-velora.html").read_text(encoding="utf-8")
    section = html[html.index('id="competitor-spikes"') : html.index('id="competitor-mentions"')]
    assert "Cyclane" in section and "2026-11-18 08:00 → 2026-11-18 12:00" in section
    assert ">27<" in section and ">64<" in section
    capsys.readouterr()


# --------------------------------------------------------------------------- several metrics

HOURS = pd.date_range("2026-10-05", periods=21 * 24, freq="1h")  # three weeks, from a Monday
NOW = datetime(2026, 10, 26, tzinfo=UTC)


def hourly_rows(
    seed: int, volume: float = 60.0, share: float = 0.08, reach: float = 100.0
) -> pd.DataFrame:
    """Hourly mart rows with a daily cycle and overdispersed noise; edit them, then store."""
    rng = np.random.default_rng(seed)
    hour = HOURS.hour.to_numpy()
    rate = volume * np.exp(0.6 * np.cos(2 * np.pi * (hour - 15) / 24))
    mentions = rng.poisson(rate * rng.gamma(30, 1 / 30, len(rate)))
    negative = rng.binomial(mentions, share)
    return pd.DataFrame(
        {"hour": HOURS, "mentions": mentions, "negative": negative, "reach_each": reach}
    )


def store(con, brand: str, frame: pd.DataFrame) -> None:
    rows = [
        (
            brand,
            False,
            r.hour.to_pydatetime(),
            int(r.mentions),
            int(r.mentions * r.reach_each),
            int(r.mentions - r.negative),
            0,
            int(r.negative),
            int(r.negative * r.reach_each),
        )
        for r in frame.itertuples()
    ]
    con.executemany("insert into mart_brand_hourly values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def spike_at(day: int, hour: int) -> slice:
    start = day * 24 + hour
    return slice(start, start + 4)


@pytest.fixture
def con(tmp_path):
    connection = db.connect(tmp_path / "v.duckdb")
    yield connection
    connection.close()


def incidents_of(con) -> list[tuple]:
    return con.execute(
        "select incident_id, brand, metric, start_at, end_at, explanation from incidents"
        " order by brand, start_at"
    ).fetchall()


def test_a_negative_share_spike_with_flat_volume_names_that_metric(con):
    frame = hourly_rows(seed=1)
    hours = spike_at(17, 13)
    # same volume, but most of it is now negative: no count of mentions moves
    frame.loc[frame.index[hours], "negative"] = (frame["mentions"][hours] * 0.6).round()
    store(con, "Acme", frame)

    [incident] = detect_incidents(con, Watchlist(brands=[BrandConfig(name="Acme")]), now=NOW)

    assert "negative_share" in incident["metrics"] and "mentions" not in incident["metrics"]
    [(_, _, metric, start, end, explanation)] = incidents_of(con)
    assert metric == incident["metric"]
    assert start <= HOURS[hours.start].to_pydatetime() < end
    fired = {m["metric"]: m for m in json.loads(explanation)["metrics"]}
    assert fired["negative_share"]["peak_value"] > 0.4
    assert fired["negative_share"]["baseline"] < 0.15


def test_a_quiet_tone_with_a_volume_burst_is_a_volume_incident(con):
    frame = hourly_rows(seed=2, share=0.05)
    hours = spike_at(16, 10)
    frame.loc[frame.index[hours], "mentions"] *= 5  # a big, happy launch: volume only
    store(con, "Acme", frame)

    incidents = detect_incidents(con, Watchlist(brands=[BrandConfig(name="Acme")]), now=NOW)

    burst = HOURS[hours.start].tz_localize("UTC")
    [launch] = [
        i
        for i in incidents
        if datetime.fromisoformat(i["start"]) <= burst < datetime.fromisoformat(i["end"])
    ]
    assert launch["metric"] == "mentions" and launch["metrics"] == ["mentions"]
    assert all(i["metrics"] == ["mentions"] for i in incidents)  # the tone never moved


def test_metrics_firing_together_are_one_incident_keeping_the_negative_count_id(con):
    frame = hourly_rows(seed=3)
    hours = spike_at(18, 9)
    frame.loc[frame.index[hours], "negative"] += 120  # the crisis: negatives, volume, reach
    frame.loc[frame.index[hours], "mentions"] += 120
    store(con, "Acme", frame)
    watchlist = Watchlist(brands=[BrandConfig(name="Acme")])
    crisis = HOURS[hours.start].tz_localize("UTC")

    found = detect_incidents(con, watchlist, now=NOW)

    [incident] = [
        i for i in found if datetime.fromisoformat(i["end"]) > crisis - timedelta(hours=6)
    ]

    assert incident["metric"] == "negative_mentions"
    assert {"negative_mentions", "mentions", "negative_reach"} <= set(incident["metrics"])
    # the id a negative-count incident had before other metrics were watched
    series = pd.Series(frame["negative"].to_numpy(float), index=HOURS.tz_localize("UTC"))
    [alone] = [i for i in detect(series, "1h") if i.end > crisis]
    key = f"Acme|negative_mentions|{alone.start.replace(tzinfo=None).isoformat()}"
    assert incident["incident_id"] == hashlib.sha256(key.encode()).hexdigest()[:20]

    before = incidents_of(con)
    again = detect_incidents(con, watchlist, now=NOW + timedelta(hours=1))
    assert [i["incident_id"] for i in again] == [i["incident_id"] for i in found]
    assert incidents_of(con) == before  # a rerun adds nothing and changes nothing


def test_per_brand_sensitivity_changes_what_fires(con):
    base = hourly_rows(seed=4)
    hours = spike_at(17, 15)
    base.loc[base.index[hours], "negative"] += 14  # a moderate rise in negatives
    base.loc[base.index[hours], "mentions"] += 14
    for brand in ("Low", "Normal", "High", "Strict"):
        store(con, brand, base)
    watchlist = Watchlist(
        brands=[
            BrandConfig(name="Low", spikes=SpikeConfig(sensitivity="low")),
            BrandConfig(name="Normal"),
            BrandConfig(name="High", spikes=SpikeConfig(sensitivity="high")),
            BrandConfig(name="Strict", spikes=SpikeConfig(sensitivity="high", min_count=500)),
        ]
    )

    fired = {i["brand"] for i in detect_incidents(con, watchlist, now=NOW)}

    assert "High" in fired
    assert "Low" not in fired and "Strict" not in fired


def test_brand_settings_presets_and_overrides():
    base = DetectorSettings()
    assert brand_settings(SpikeConfig(), base) == base
    low = brand_settings(SpikeConfig(sensitivity="low"), base)
    high = brand_settings(SpikeConfig(sensitivity="high"), base)
    assert high.threshold < base.threshold < low.threshold
    assert high.min_excess < base.min_excess < low.min_excess
    custom = brand_settings(SpikeConfig(threshold=5, min_count=3, cooldown_hours=12), base)
    assert (custom.threshold, custom.min_excess) == (5, 3)
    assert custom.span("cooldown") == pd.Timedelta("12h")


def test_watchlist_spikes_block_is_validated(write):
    good = write("w.yaml", "brands:\n  - name: Acme\n    spikes: {sensitivity: high}\n")
    assert load_watchlist(good).brands[0].spikes.sensitivity == "high"
    bad = write("b.yaml", "brands:\n  - name: Acme\n    spikes: {sensitivity: extreme}\n")
    with pytest.raises(ConfigError, match=r"brands\[0\]\.spikes\.sensitivity"):
        load_watchlist(bad)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("en", "negative mentions (31 vs 6.5), negative share (62% vs 9%)"),
        ("fr", "mentions négatives (31 contre 6,5), part négative (62\u202f% contre 9\u202f%)"),
    ],
)
def test_alert_text_names_the_metrics_that_fired(locale, expected):
    from pipelines.alerts import render_alert

    metrics = [
        {"metric": "negative_mentions", "peak_value": 31, "baseline": 6.5, "score": 7.1},
        {"metric": "negative_share", "peak_value": 0.62, "baseline": 0.09, "score": 9.4},
    ]
    incident = {
        "incident_id": "abc",
        "brand": "Acme",
        "metric": "negative_mentions",
        "start_at": datetime(2026, 10, 22, 13),
        "end_at": datetime(2026, 10, 22, 17),
        "peak_at": datetime(2026, 10, 22, 14),
        "peak_value": 31,
        "baseline": 6.5,
        "score": 7.1,
        "explanation": {"metrics": metrics},
    }
    alert = render_alert(incident, locale)
    assert expected in alert.text
    assert alert.webhook_payload["data"]["metrics"] == ["negative_mentions", "negative_share"]
