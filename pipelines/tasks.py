"""Entry points for Airflow tasks: plain arguments in, small JSON-able summaries out.

Paths come from VIGIE_CONFIG / VIGIE_DB, falling back to files under AIRFLOW_HOME, so the
same DAG works on a laptop (the repo as AIRFLOW_HOME) and on workers with mounted config.
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


def collect_window(start: datetime, end: datetime) -> dict:
    """Land every enabled source for [start, end); fails the task if any source failed."""
    from connectors.base import Window
    from pipelines.collect import collect
    from pipelines.errors import SourceError

    outcomes = collect(task_paths(), task_watchlist(), Window(start, end), progress=False)
    failed = [f"{o.source.query_id}: {o.error}" for o in outcomes if o.error]
    if failed:
        raise SourceError("; ".join(failed))
    return {"batches": [o.batch.batch_id for o in outcomes if o.batch]}


def process_landed() -> dict:
    from pipelines.process import process_pending
    from pipelines.quality import DataQualityError

    results = process_pending(task_paths(), task_watchlist(), progress=False)
    failed = [r.failed for r in results if r.failed]
    if failed:
        raise DataQualityError("; ".join(failed))
    return {"batches": [asdict(r) for r in results]}


def daily_reports(day: date) -> list[str]:
    from pipelines.reports import write_reports

    written = write_reports(task_paths(), task_watchlist(), day)
    return [str(p) for rs in written for p in (rs.reputation, rs.competitive, rs.digest)]
