"""Processing: load every landed batch through the single DuckDB writer, then check the ledger.

Wiring only. Runs whenever collection updates the landing asset; the one-slot
`duckdb_writer` pool keeps writers to one at a time.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from pipelines.airflow_defaults import DEFAULT_ARGS, LANDING, START, STORE, WRITER_POOL

DOC = """
### Vigie: process

Triggered by `vigie://landing`. **load** takes every landed batch the ledger has not seen
through normalize, match, dedupe, sentiment, the Great Expectations gates and the load, one
DuckDB transaction per batch, then refreshes the marts of the days touched. A batch failing a
batch-level gate is rolled back and fails the task (the others are loaded). **check_ledger**
verifies that every batch adds up. Success updates `vigie://duckdb/mentions`.
"""


@dag(
    dag_id="vigie_process",
    schedule=[LANDING],
    start_date=START,
    catchup=False,
    max_active_runs=1,  # one writer; a second run would only wait for the pool
    tags=["vigie", "process"],
    doc_md=DOC,
    default_args=DEFAULT_ARGS,
)
def vigie_process():
    @task(pool=WRITER_POOL)
    def load() -> dict:
        from pipelines.tasks import process_landed

        return process_landed()

    @task(outlets=[STORE])
    def check_ledger(loaded: dict) -> dict:
        from pipelines.tasks import check_ledger as check

        return check()

    check_ledger(load())


vigie_process()
