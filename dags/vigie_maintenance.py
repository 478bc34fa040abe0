"""Nightly maintenance: queued GDPR erasures, raw-payload retention, DuckDB checkpoint.

Wiring only; every step writes, so every step takes the writer pool.
"""

from __future__ import annotations

import os

from airflow.sdk import CronDataIntervalTimetable, dag, task

from pipelines.airflow_defaults import DEFAULT_ARGS, START, WRITER_POOL

DOC = """
### Vigie: maintenance

1. **erasures** runs the requests queued with `vigie purge --author HANDLE --queue`.
2. **retention** deletes raw payloads and processed landing folders older than
   `$VIGIE_RAW_RETENTION_DAYS` days (default 90); mentions are kept.
3. **checkpoint** folds DuckDB's write-ahead log into the file.
"""


@dag(
    dag_id="vigie_maintenance",
    schedule=CronDataIntervalTimetable("30 3 * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
    max_active_runs=1,
    tags=["vigie", "maintenance"],
    doc_md=DOC,
    default_args=DEFAULT_ARGS,
)
def vigie_maintenance():
    @task(pool=WRITER_POOL)
    def erasures() -> list[dict]:
        from pipelines.tasks import queued_purges

        return queued_purges()

    @task(pool=WRITER_POOL)
    def retention() -> dict:
        from pipelines.tasks import retention as apply

        return apply(int(os.environ.get("VIGIE_RAW_RETENTION_DAYS", "90")))

    @task(pool=WRITER_POOL)
    def checkpoint() -> None:
        from pipelines.tasks import checkpoint as run

        run()

    erasures() >> retention() >> checkpoint()


vigie_maintenance()
