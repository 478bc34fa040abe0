"""Incidents from the demo's marts: detected in the crisis, explained, continued, reported."""

import json
import shutil
from datetime import UTC, datetime

import duckdb

from pipelines import db
from pipelines.incidents import detect_incidents
from pipelines.settings import load_watchlist


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
