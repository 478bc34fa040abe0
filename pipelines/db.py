"""DuckDB access: the schema on first use, SQL read from sql/, one writer at a time.

DuckDB lets one process write a database file. A second writer waits a bounded time for the
lock and then fails with a clear "database busy" message instead of a traceback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from pipelines.errors import DatabaseBusyError, InputError

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
MARTS = ("brand_daily", "brand_hourly")


@cache
def sql(name: str) -> str:
    """The text of sql/<name>.sql. Parameters in it are bound by the caller, never formatted."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def utc_naive(moment: datetime | None) -> datetime | None:
    """A time as DuckDB's TIMESTAMP columns hold it: UTC without a zone. A naive time is taken
    to be UTC already."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def _is_lock_error(exc: duckdb.Error) -> bool:
    message = str(exc).lower()
    return "lock" in message and ("conflicting" in message or "could not set lock" in message)


def connect(db_path: Path, *, read_only: bool = False, wait_seconds: float = 30.0):
    """Open the database; create it with its schema when a writer opens it the first time."""
    if read_only and not db_path.exists():
        raise InputError(f"{db_path}: no such database (run `vigie process` or `vigie demo` first)")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(db_path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise InputError(f"{db_path}: cannot open database: {exc}") from None
            if time.monotonic() >= deadline:
                raise DatabaseBusyError(
                    f"{db_path}: database busy: another Vigie process is writing it "
                    f"(waited {wait_seconds:.0f}s); try again when it has finished"
                ) from None
            time.sleep(0.5)
    if not read_only:
        ensure_schema(con)
    return con


def fetch_dicts(con, name: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of sql/<name>.sql as dicts keyed by column name, parameters bound."""
    cursor = con.execute(sql(name), params)
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """All of sql/schema/ in one transaction: a run killed while creating a new database
    leaves no half-made schema behind."""
    with transaction(con):
        for path in sorted((SQL_DIR / "schema").glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a batch either lands completely or leaves no trace."""
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, tables: dict[str, Any]) -> Iterator[None]:
    """Arrow tables visible to SQL under their names for the duration of the block: how
    Python rows reach the statements in sql/ (bound as a table, never formatted in)."""
    for name, table in tables.items():
        con.register(name, table)
    try:
        yield
    finally:
        for name in tables:
            con.unregister(name)


def refresh_marts(con: duckdb.DuckDBPyConnection, days: Sequence[date]) -> None:
    """Rebuild mart rows only for the given days, so cost follows the batch, not the history."""
    if not days:
        return
    params = {"days": sorted(set(days))}
    for mart in MARTS:
        con.execute(sql(f"marts/clear_{mart}"), params)
        con.execute(sql(f"marts/{mart}"), params)
