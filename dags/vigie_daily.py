"""Vigie's daily run: collect the day from every source, load it, write the reports.

Wiring only: the work lives in pipelines.tasks, imported inside each task so that parsing
this file stays as cheap as importing airflow.sdk.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import CronDataIntervalTimetable, dag, task

DOC = """
### Vigie daily run

For the data interval (one UTC day):

1. **collect** lands the raw responses of every enabled source in the watchlist
   (`$VIGIE_CONFIG`, default `$AIRFLOW_HOME/watchlist.yaml`). It never opens DuckDB.
2. **process** loads every landed batch not yet in the ledger into DuckDB
   (`$VIGIE_DB`, default `$AIRFLOW_HOME/data/vigie.duckdb`) and refreshes the marts.
3. **report** writes the reputation and competitive-watch reports for the day.

Every task is idempotent: rerunning the interval finds the batches landed and processed.
"""


@dag(
    dag_id="vigie_daily",
    schedule=CronDataIntervalTimetable("0 0 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 11, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # runs share one DuckDB writer; one day at a time
    tags=["vigie"],
    doc_md=DOC,
    default_args={
        "owner": "vigie",
        "retries": 2,
        "retry_delay": timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=15),
    },
)
def vigie_daily():
    @task
    def collect(data_interval_start=None, data_interval_end=None) -> dict:
        from pipelines.tasks import collect_window

        return collect_window(data_interval_start, data_interval_end)

    @task
    def process(collected: dict) -> dict:
        from pipelines.tasks import process_landed

        return process_landed()

    @task
    def report(processed: dict, data_interval_start=None) -> list[str]:
        from pipelines.tasks import daily_reports

        return daily_reports(data_interval_start.date())

    report(process(collect()))


vigie_daily()
