"""Entry points for Airflow tasks: plain arguments in, small JSON-able summaries out.

Paths come from VIGIE_CONFIG / VIGIE_DB, falling back to files under AIRFLOW_HOME, so the
same DAGs work on a laptop (the repo as AIRFLOW_HOME) and on workers with mounted config.
Every function is idempotent for its arguments: reruns and backfills change nothing.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from pipelines.settings import Paths, Watchlist, load_watchlist, resolve_paths


def _home() -> Path:
    return Path(os.environ.get("AIRFLOW_HOME", ".")).expanduser()


def task_paths() -> Paths:
    return resolve_paths(os.environ.get("VIGIE_DB") or _home() / "data" / "vigie.duckdb")


def task_watchlist() -> Watchlist:
    return load_watchlist(os.environ.get("VIGIE_CONFIG") or _home() / "watchlist.yaml")


def enabled_queries(source_type: str) -> list[str]:
    """The query ids to collect for one source type: the fan-out of the mapped tasks."""
    return [s.query_id for s in task_watchlist().enabled_sources() if s.type == source_type]


def collect_query(source_type: str, query_id: str, start: datetime, end: datetime) -> dict:
    """Land one (source, query) for [start, end); fails the task when the source failed."""
    from connectors.base import Window
    from pipelines.audience import collect_source_audience
    from pipelines.collect import collect_source, http_client
    from pipelines.errors import SourceError

    watchlist = task_watchlist()
    source = next(
        s for s in watchlist.enabled_sources() if s.type == source_type and s.query_id == query_id
    )
    http = http_client(watchlist)
    outcome = collect_source(task_paths(), source, Window(start, end), http)
    if outcome.error:
        raise SourceError(f"{source_type}/{query_id}: {outcome.error}")
    # Follower counts of the own accounts: the first run of each UTC day lands them.
    audience = collect_source_audience(task_paths(), watchlist, source, http)
    if audience and audience.error:
        raise SourceError(f"{source_type}/{query_id} follower counts: {audience.error}")
    return {
        "batch_id": outcome.batch.batch_id if outcome.batch else None,
        "already_landed": outcome.already_landed,
        "note": outcome.note,
        "audience_batch_id": audience.batch.batch_id if audience and audience.batch else None,
    }


def process_landed() -> dict:
    from pipelines.process import process_pending
    from pipelines.quality import DataQualityError

    results = process_pending(task_paths(), task_watchlist(), progress=False)
    failed = [r.failed for r in results if r.failed]
    if failed:
        raise DataQualityError("; ".join(failed))
    return {"batches": [asdict(r) for r in results]}


def check_ledger() -> dict:
    """Fail loudly if any batch in the store does not add up (the constraint should make that
    impossible; this is the alarm if it ever is not)."""
    from pipelines.errors import VigieError
    from pipelines.status import store_status

    totals = store_status(task_paths(), limit=0)["totals"]
    if totals["unbalanced"]:
        raise VigieError(f"{totals['unbalanced']} batch(es) do not add up")
    return {k: totals[k] for k in ("batches", "received", "loaded", "duplicates", "quarantined")}


def daily_reports(day: date) -> list[str]:
    from pipelines.reports import write_reports

    written = write_reports(task_paths(), task_watchlist(), day)
    return [str(p) for rs in written for p in (rs.reputation, rs.competitive, rs.digest)]


def retention(raw_days: int) -> dict:
    from pipelines.purge import apply_retention

    return asdict(apply_retention(task_paths(), raw_days))


def checkpoint() -> None:
    """Fold DuckDB's write-ahead log into the database file and reclaim space."""
    from pipelines import db

    con = db.connect(task_paths().db)
    try:
        con.execute("checkpoint")
    finally:
        con.close()


def queued_purges() -> list[dict]:
    from pipelines.purge import run_queued_purges

    return run_queued_purges(task_paths())


def detect_and_alert() -> dict:
    """Detect incidents on the fresh marts, then deliver what no channel has received yet."""
    from pipelines.alerts import run_alerts

    return run_alerts(task_paths(), task_watchlist())
