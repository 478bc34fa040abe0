"""What every Vigie DAG shares. Imported at DAG parse time, so it stays light: no pandas,
no DuckDB, no network, no Variables."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset

from connectors import REGISTRY

START = pendulum.datetime(2026, 11, 1, tz="UTC")
# Collected sources: the registry minus file imports, which are landed by `vigie import`.
SOURCE_TYPES = tuple(name for name in REGISTRY if name != "import")
WRITER_POOL = "duckdb_writer"  # one slot: DuckDB allows a single writing process

# Data-aware scheduling: collection announces new landing files, processing announces a
# fresher store; the downstream DAGs run when those assets are updated.
LANDING = Asset("vigie://landing", group="vigie")
STORE = Asset("vigie://duckdb/mentions", group="vigie")

DEFAULT_ARGS = {
    "owner": "vigie",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=20),
}


def source_pool(source_type: str) -> str:
    """One pool per source caps concurrent calls to that API across all workers."""
    return f"vigie_source_{source_type}"
