"""Times are UTC inside and windows are half-open: a boundary belongs to exactly one window."""

from datetime import UTC, date, datetime, timedelta, timezone

import duckdb
import pytest

from connectors.base import Window
from pipelines.cli import main
from pipelines.collect import day_window


def test_day_windows_tile_without_overlap():
    first, second = day_window(date(2026, 11, 20)), day_window(date(2026, 11, 21))
    assert first.end == second.start
    boundary = datetime(2026, 11, 21, tzinfo=UTC)
    inside = [w for w in (first, second) if w.start <= boundary < w.end]
    assert inside == [second]


def test_windows_must_be_aware_and_ordered():
    with pytest.raises(ValueError, match="timezone-aware"):
        Window(datetime(2026, 11, 20), datetime(2026, 11, 21))
    with pytest.raises(ValueError, match="after its start"):
        Window(datetime(2026, 11, 21, tzinfo=UTC), datetime(2026, 11, 20, tzinfo=UTC))


def test_marts_put_a_midnight_mention_in_the_new_day(tmp_path, write, capsys):
    paris = timezone(timedelta(hours=1))
    rows = [
        ("a", "2026-11-20T23:59:59.999999Z"),
        ("b", "2026-11-21T00:00:00Z"),
        ("c", datetime(2026, 11, 21, 0, 30, tzinfo=paris).isoformat()),  # 23:30 UTC the day before
        ("d", "1763683200"),  # epoch seconds: 2025-11-21T00:00:00Z
        ("e", "1763683200000"),  # epoch milliseconds, same instant
        ("f", "2026-11-21T00:00:00"),  # naive: documented as UTC
    ]
    lines = [
        f'{{"source_id": "{i}", "published_at": "{t}", "text": "x", "brand": "B"}}' for i, t in rows
    ]
    db = tmp_path / "vigie.duckdb"
    main(["-q", "--db", str(db), "import", str(write("t.jsonl", "\n".join(lines) + "\n"))])
    main(["-q", "--db", str(db), "process"])
    capsys.readouterr()
    with duckdb.connect(str(db), read_only=True) as con:
        stored = dict(con.execute("select source_id, published_at from mentions").fetchall())
        days = dict(con.execute("select day, mentions from mart_brand_daily").fetchall())
        hours = dict(con.execute("select hour, mentions from mart_brand_hourly").fetchall())
    assert stored["c"] == datetime(2026, 11, 20, 23, 30)
    assert stored["d"] == stored["e"] == datetime(2025, 11, 21)
    assert days == {date(2025, 11, 21): 2, date(2026, 11, 20): 2, date(2026, 11, 21): 2}
    assert hours[datetime(2026, 11, 20, 23)] == 2 and hours[datetime(2026, 11, 21, 0)] == 2
