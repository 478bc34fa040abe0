"""Worker processes and chunked writes give exactly the tables of a one-process run.

Small chunks and writes force every boundary the big runs cross (a batch spread over many
chunks and several writes, reposts and in-batch duplicate ids in different chunks, broken
lines between chunks), on a file small enough for a test.
"""

from __future__ import annotations

import json
import random

import duckdb
import pytest

from pipelines import prepare, process
from pipelines.collect import import_file
from pipelines.process import process_pending
from pipelines.settings import BrandConfig, Paths, Watchlist

TEXTS = [
    "Velora's new battery is brilliant, best commute ever",
    "Le vélo Velora est tombé en panne, service client injoignable, quelle honte",
    "Cyclane Cargo arrived broken. Never again. @cyclane_bikes",
    "Is the Velora app down again? Can someone help?",
    "Roulix ou Velora pour aller au travail ? J'hésite encore",
    "weather is nice today",  # names no brand: quarantined by matching
]


def _file(path, rows: int = 240):
    rng = random.Random(5)
    lines = []
    for i in range(rows):
        text = f"{rng.choice(TEXTS)} #{i % 7}"
        if i % 9 == 0 and i:
            text = "RT @someone: " + lines[-1]["text"]  # reposts across chunk boundaries
        lines.append(
            {
                "source_id": f"p{i % 230}",  # the last ids repeat earlier ones: in-batch dupes
                "published_at": f"2026-11-{10 + i % 9:02d}T{i % 24:02d}:15:00Z",
                "text": text,
                "author": f"user{i % 31}",
                "author_followers": i * 13,
            }
        )
    body = [json.dumps(line, ensure_ascii=False) for line in lines]
    body.insert(100, "{not json")
    body.insert(170, '{"source_id": "x", "published_at": "yesterday", "text": "Velora"}')
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    return path


def _tables(db) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "mentions": con.execute(
                "select * exclude (batch_id, collected_at) from mentions order by mention_id"
            ).fetchall(),
            "ledger": con.execute(
                "select received, loaded, duplicates, quarantined from ingest_ledger"
            ).fetchall(),
            "quarantine": con.execute(
                "select seq, reason, stage from quarantine order by seq"
            ).fetchall(),
            "raw": con.execute("select seq, source_id from raw_records order by seq").fetchall(),
            "marts": con.execute("select * from mart_brand_daily order by brand, day").fetchall(),
        }


@pytest.fixture
def watchlist() -> Watchlist:
    return Watchlist(
        brands=[BrandConfig(name="Velora")],
        competitors=[
            BrandConfig(name="Cyclane", handles=["cyclane_bikes"]),
            BrandConfig(name="Roulix"),
        ],
    )


def test_workers_and_chunks_change_nothing(tmp_path, monkeypatch, watchlist):
    data = _file(tmp_path / "mentions.jsonl")
    monkeypatch.setenv("VIGIE_AUTHOR_KEY", "parallel-test")
    monkeypatch.setattr(process, "CHUNK", 37)
    monkeypatch.setattr(process, "WRITE_ROWS", 60)

    one = Paths(db=tmp_path / "one" / "vigie.duckdb")
    import_file(one, data)
    monkeypatch.setenv("VIGIE_WORKERS", "1")
    [single] = process_pending(one, watchlist, progress=False)

    two = Paths(db=tmp_path / "two" / "vigie.duckdb")
    import_file(two, data)
    monkeypatch.setenv("VIGIE_WORKERS", "2")
    monkeypatch.setattr(prepare, "PARALLEL_MIN_RECORDS", 0)
    started = []
    real_runner = prepare.Runner.__init__

    def spy(self, spec, workers=1):
        started.append(workers)
        real_runner(self, spec, workers)

    monkeypatch.setattr(prepare.Runner, "__init__", spy)
    [parallel] = process_pending(two, watchlist, progress=False)

    assert started == [2]
    assert (single.received, single.loaded, single.duplicates, single.quarantined) == (
        parallel.received,
        parallel.loaded,
        parallel.duplicates,
        parallel.quarantined,
    )
    assert single.received == 242
    assert single.received == single.loaded + single.duplicates + single.quarantined
    assert single.duplicates >= 10 and single.quarantined >= 2
    assert _tables(one.db) == _tables(two.db)


def test_a_large_batch_commits_in_parts_and_resumes_after_the_last_one(
    tmp_path, monkeypatch, watchlist
):
    """Parts add up on their own; a run stopped after a part resumes after it and ends with
    the tables of an uninterrupted run."""
    data = _file(tmp_path / "mentions.jsonl")
    monkeypatch.setenv("VIGIE_AUTHOR_KEY", "parallel-test")
    monkeypatch.setattr(process, "CHUNK", 37)
    monkeypatch.setattr(process, "PART_RECORDS", 80)

    whole = Paths(db=tmp_path / "whole" / "vigie.duckdb")
    batch_id = import_file(whole, data)[0].batch_id
    [done] = process_pending(whole, watchlist, progress=False)
    with duckdb.connect(str(whole.db), read_only=True) as con:
        ledger = con.execute(
            "select batch_id, received, loaded, duplicates, quarantined from ingest_ledger "
            "order by batch_id"
        ).fetchall()
    assert [row[0] for row in ledger] == [batch_id, f"{batch_id}~1", f"{batch_id}~2"]
    assert sum(row[1] for row in ledger) == done.received == 242
    assert all(r == lo + d + q for _, r, lo, d, q in ledger)

    stopped = Paths(db=tmp_path / "stopped" / "vigie.duckdb")
    import_file(stopped, data)
    real = process._commit_part
    calls = []

    def stop_after_first(con, batch, writer, gates, ledger_id, result):
        if calls:
            raise KeyboardInterrupt  # as if the process were stopped during part two
        calls.append(ledger_id)
        real(con, batch, writer, gates, ledger_id, result)

    monkeypatch.setattr(process, "_commit_part", stop_after_first)
    with pytest.raises(KeyboardInterrupt):
        process_pending(stopped, watchlist, progress=False)
    assert calls == [f"{batch_id}~1"]
    monkeypatch.setattr(process, "_commit_part", real)
    [resumed] = process_pending(stopped, watchlist, progress=False)
    assert resumed.received < 242  # only the records after the committed part
    assert _tables(stopped.db) == _tables(whole.db)


def test_batch_flags_see_every_part(tmp_path, monkeypatch, watchlist):
    """A campaign whose copies land in different parts is still spam: the batch-level flags
    are computed over the whole batch, as in a batch small enough for one part."""
    data = _file(tmp_path / "mentions.jsonl")
    lines = data.read_text(encoding="utf-8").splitlines()
    campaign = "Velora bikes are the best deal of the year, click now"
    for n, at in enumerate((10, 120, 235)):
        row = {
            "source_id": f"campaign{n}",
            "published_at": "2026-11-12T08:00:00Z",
            "text": f"{campaign} https://spam.example/{n}",
            "author": f"campaigner{n}",
        }
        lines.insert(at, json.dumps(row))
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("VIGIE_AUTHOR_KEY", "parallel-test")
    monkeypatch.setattr(process, "CHUNK", 37)

    def campaign_flags(name: str) -> list[list[str]]:
        paths = Paths(db=tmp_path / name / "vigie.duckdb")
        import_file(paths, data)
        process_pending(paths, watchlist, progress=False)
        with duckdb.connect(str(paths.db), read_only=True) as con:
            return [
                r[0]
                for r in con.execute(
                    "select flags from mentions where source_id like 'campaign%' order by source_id"
                ).fetchall()
            ]

    whole = campaign_flags("whole")
    monkeypatch.setattr(process, "PART_RECORDS", 80)
    in_parts = campaign_flags("parts")
    assert len(whole) == 3 and all("spam" in flags for flags in whole)
    assert in_parts == whole
