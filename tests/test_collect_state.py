"""Incremental collection state: advance only after landing, resume after a failure, refuse a
state from the future, and mirror it into connector_state once processed."""

import json
from datetime import UTC, datetime, timedelta

import duckdb

from pipelines.collect import collect_source
from pipelines.landing import _state_file, read_state
from pipelines.process import process_pending
from pipelines.settings import Paths, SourceConfig, Watchlist
from tests.connector_kit import test_client
from tests.loopback import Reply, loopback

FEED = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
    b'<guid isPermaLink="false">a1</guid><title>Velora news</title>'
    b"<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>"
)
NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)


def _source(base: str) -> SourceConfig:
    return SourceConfig(type="rss", name="news", params={"urls": [f"{base}/f.xml"]})


def test_incremental_runs_follow_each_other_without_gap_or_overlap(tmp_path):
    paths = Paths(db=tmp_path / "vigie.duckdb")
    with loopback() as (base, script):
        script.on("/f.xml", Reply(200, FEED))
        http, _ = test_client()
        first = collect_source(paths, _source(base), None, http, now=NOW)
        second = collect_source(paths, _source(base), None, http, now=NOW + timedelta(hours=3))
        third = collect_source(paths, _source(base), None, http, now=NOW + timedelta(hours=3))
    assert (first.window.start, first.window.end) == (
        datetime(2026, 11, 21, 8, tzinfo=UTC),
        datetime(2026, 11, 21, 9, tzinfo=UTC),
    )
    assert (second.window.start, second.window.end) == (
        datetime(2026, 11, 21, 9, tzinfo=UTC),
        datetime(2026, 11, 21, 12, tzinfo=UTC),
    )
    assert third.batch is None and third.note == "up to date"
    assert len(script.requests) == 2
    assert read_state(paths.landing, "rss", "news")["high_water_mark"] == second.window.end


def test_a_failed_run_leaves_the_mark_and_the_next_run_resumes_there(tmp_path):
    paths = Paths(db=tmp_path / "vigie.duckdb")
    with loopback() as (base, script):
        script.on("/f.xml", Reply(200, FEED))
        http, _ = test_client(retries=0)
        collect_source(paths, _source(base), None, http, now=NOW)
        mark = read_state(paths.landing, "rss", "news")["high_water_mark"]
        script.replies["/f.xml"].clear()
        script.on("/f.xml", Reply(503), Reply(200, FEED))
        failed = collect_source(paths, _source(base), None, http, now=NOW + timedelta(hours=1))
        assert failed.error and failed.batch is None
        assert read_state(paths.landing, "rss", "news")["high_water_mark"] == mark
        resumed = collect_source(paths, _source(base), None, http, now=NOW + timedelta(hours=2))
    assert resumed.window.start == mark  # no gap
    assert resumed.batch is not None


def test_a_state_from_the_future_collects_nothing_and_does_not_crash(tmp_path):
    paths = Paths(db=tmp_path / "vigie.duckdb")
    state = _state_file(paths.landing, "rss", "news")
    state.parent.mkdir(parents=True)
    state.write_text(
        json.dumps(
            {
                "source": "rss",
                "query_id": "news",
                "batch_id": "x",
                "high_water_mark": "2027-01-01T00:00:00+00:00",
            }
        )
    )
    with loopback() as (base, script):
        script.on("/f.xml", Reply(200, FEED))
        http, _ = test_client()
        outcome = collect_source(paths, _source(base), None, http, now=NOW)
    assert outcome.batch is None and outcome.error is None
    assert "state is in the future" in outcome.note
    assert script.requests == []


def test_processing_mirrors_the_mark_into_connector_state(tmp_path):
    paths = Paths(db=tmp_path / "vigie.duckdb")
    with loopback() as (base, script):
        script.on("/f.xml", Reply(200, FEED))
        http, _ = test_client()
        outcome = collect_source(paths, _source(base), None, http, now=NOW)
    process_pending(paths, Watchlist(), progress=False)
    with duckdb.connect(str(paths.db), read_only=True) as con:
        row = con.execute(
            "select source, query_id, high_water_mark, last_window_end from connector_state"
        ).fetchone()
    end = outcome.window.end.replace(tzinfo=None)
    assert row == ("rss", "news", end, end)
