"""The Great Expectations gates: row failures quarantine rows, batch failures stop a batch."""

from datetime import datetime, timedelta, timezone

import duckdb
import pandas as pd
import pytest

from pipelines import db
from pipelines.process import process_pending
from pipelines.quality import GateSettings, check_marts, check_mentions
from pipelines.settings import BrandConfig, Paths, Watchlist

SETTINGS = GateSettings(("en", "fr"), require_brand=True, latest=datetime(2026, 11, 23))


def frame(**overrides):
    base = {
        "mention_id": ["a", "b", "c"],
        "text": ["x", "y", "z"],
        "published_at": [datetime(2026, 11, 20)] * 3,
        "sentiment_compound": [0.5, -0.2, 0.0],
        "sentiment_label": ["positive", "negative", "neutral"],
        "lang": ["en", "fr", "en"],
        "brand": ["A", "A", "B"],
    }
    return pd.DataFrame({**base, **overrides})


def test_clean_frame_passes():
    result = check_mentions(frame(), SETTINGS)
    assert result.rejected == {} and result.failures == []


def test_row_level_failures_name_the_rows():
    result = check_mentions(
        frame(lang=["en", "de", "en"], sentiment_compound=[0.5, -0.2, 1.5], brand=["A", "A", None]),
        SETTINGS,
    )
    assert result.failures == []
    assert result.rejected == {
        1: "quality gate: language is not one of en, fr",
        2: "quality gate: no brand after matching; sentiment is outside [-1, 1]",
    }


def test_published_at_range_is_checked():
    result = check_mentions(
        frame(published_at=[datetime(2026, 11, 20), datetime(1980, 1, 1), datetime(2030, 1, 1)]),
        SETTINGS,
    )
    assert set(result.rejected) == {1, 2}


def test_published_at_bounds_are_inclusive_to_the_microsecond_and_offsets_count():
    us = timedelta(microseconds=1)
    earliest, latest = datetime(1990, 1, 1), SETTINGS.latest
    result = check_mentions(
        frame(
            mention_id=list("abcdef"),
            text=list("uvwxyz"),
            published_at=[earliest, earliest - us, latest, latest + us, None, None],
            sentiment_compound=[0.0] * 6,
            sentiment_label=["neutral"] * 6,
            lang=["en"] * 6,
            brand=["A"] * 6,
        ),
        SETTINGS,
    )
    assert set(result.rejected) == {1, 3}
    paris = timezone(timedelta(hours=2))  # 01:00 in Paris is 23:00 UTC the day before
    aware = [datetime(1990, 1, 1, 1, tzinfo=paris), datetime(1990, 1, 1, 2, tzinfo=paris)]
    result = check_mentions(frame(published_at=[*aware, datetime(2026, 11, 20)]), SETTINGS)
    assert set(result.rejected) == {0}


def test_batch_level_failure_is_a_readable_summary():
    result = check_mentions(frame(mention_id=["a", "a", "c"]), SETTINGS)
    assert result.failures == ["mention ids are not unique within the batch (2 row(s))"]


def test_mart_gate_catches_inconsistent_rows():
    marts = pd.DataFrame(
        {
            "brand": ["A", "A"],
            "day": [datetime(2026, 11, 20)] * 2,
            "mentions": [3, 2],
            "share_of_voice": [0.6, 1.4],
            "sentiment_gap": [0, 1],
        }
    )
    failures = check_marts(marts).failures
    assert "positive + neutral + negative differs from mentions (1 row(s))" in failures
    assert "share of voice outside [0, 1] (1 row(s))" in failures
    assert "more than one mart row per brand and day (2 row(s))" in failures


def test_failing_batch_loads_nothing_and_others_still_load(tmp_path, write, monkeypatch):
    """A batch whose gate fails is rolled back whole; the next run retries it."""
    from pipelines import quality
    from pipelines.collect import import_file

    paths = Paths(db=tmp_path / "vigie.duckdb")
    good = write(
        "good.jsonl",
        '{"source_id": "1", "published_at": "2026-11-20T10:00:00Z", "text": "Velora is great"}\n',
    )
    bad = write(
        "bad.jsonl",
        '{"source_id": "2", "published_at": "2026-11-20T10:00:00Z", "text": "Velora is awful"}\n',
    )
    import_file(paths, good)
    import_file(paths, bad)
    watchlist = Watchlist(brands=[BrandConfig(name="Velora")])
    real = quality.check_mentions

    def failing_for_awful(frame, settings):
        if frame["text"].str.contains("awful").any():
            return quality.GateResult({}, ["an injected batch-level failure"])
        return real(frame, settings)

    monkeypatch.setattr(quality, "check_mentions", failing_for_awful)
    # The injected failure lives in this process: run the gates here, not in their child.
    monkeypatch.setattr("pipelines.process.gates_for_run", quality.Gates)
    results = process_pending(paths, watchlist, progress=False)
    assert [r.failed is None for r in results] == [True, False]
    assert "an injected batch-level failure" in results[1].failed
    with duckdb.connect(str(paths.db), read_only=True) as con:
        assert con.execute("select count(*) from mentions").fetchone()[0] == 1
        assert con.execute("select count(*) from ingest_ledger").fetchone()[0] == 1
        assert con.execute("select count(*) from raw_records").fetchone()[0] == 1
    monkeypatch.setattr(quality, "check_mentions", real)
    [again] = process_pending(paths, watchlist, progress=False)
    assert again.failed is None and again.loaded == 1


@pytest.fixture(autouse=True)
def _schema_sql_is_loaded():
    db.sql.cache_clear()


def test_gate_process_answers_like_the_in_process_gates():
    """The child process gives the same verdicts, and a broken request fails clearly."""
    from pipelines.errors import VigieError
    from pipelines.quality import GateProcess, Gates, GateSettings

    frame = pd.DataFrame(
        {
            "mention_id": ["a", "b", None],
            "text": ["ok", None, "ok"],
            "published_at": [datetime(2026, 11, 20)] * 3,
            "sentiment_compound": [0.5, 2.0, 0.0],
            "sentiment_label": ["positive", "positive", "neutral"],
            "lang": ["en", "en", "de"],
            "brand": ["Velora"] * 3,
        }
    )
    settings = GateSettings.for_run(("en", "fr"), require_brand=True)
    child = GateProcess()
    try:
        assert child.mentions(frame, settings) == Gates().mentions(frame, settings)
        with pytest.raises(VigieError, match="could not run"):
            child.mentions("not a frame", settings)  # type: ignore[arg-type]
    finally:
        child.__exit__(None, None, None)
    assert child._process.exitcode == 0
