"""The DuckDB store: schema on first use, one writer at a time, read-only readers."""

import subprocess
import sys
import time

import duckdb
import pytest

from pipelines import db
from pipelines.errors import DatabaseBusyError, InputError

TABLES = {
    "raw_records",
    "mentions",
    "quarantine",
    "connector_state",
    "ingest_ledger",
    "incidents",
    "mart_brand_daily",
    "mart_brand_hourly",
}


def test_schema_is_created_on_first_write(tmp_path):
    con = db.connect(tmp_path / "new" / "vigie.duckdb")
    names = {
        r[0] for r in con.execute("select table_name from information_schema.tables").fetchall()
    }
    con.close()
    assert names >= TABLES


def test_ledger_constraint_rejects_rows_that_do_not_add_up(tmp_path):
    con = db.connect(tmp_path / "vigie.duckdb")
    with pytest.raises(duckdb.ConstraintException):
        con.execute(
            "insert into ingest_ledger values ('b', 's', 'q', null, null, 'p', now(), now(),"
            " 10, 5, 2, 2)"
        )
    con.close()


def test_reader_on_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="no such database"):
        db.connect(tmp_path / "absent.duckdb", read_only=True)


def test_second_writer_waits_then_reports_busy(tmp_path):
    path = tmp_path / "vigie.duckdb"
    db.connect(path).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('held', flush=True);"
            " time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        with pytest.raises(DatabaseBusyError, match="database busy"):
            db.connect(path, wait_seconds=1.5)
        assert time.monotonic() - started >= 1.5
    finally:
        holder.kill()
        holder.wait()
    db.connect(path).close()  # free again once the other writer is gone
