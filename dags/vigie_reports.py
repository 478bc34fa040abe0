"""Daily reports: the reputation and competitive-watch reports of the previous UTC day.

Wiring only; reports read DuckDB read-only, so they need no writer slot.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task

from pipelines.airflow_defaults import DEFAULT_ARGS, START

DOC = """
### Vigie: reports

At 02:00 UTC, for the data interval (the previous UTC day): the daily reputation report and
the competitive-watch report of every brand in the watchlist, their CSV tables and the
Markdown digest, under `<db folder>/reports/<day>/`, plus the index page. Rerunning a day
rewrites the same files from the same data.
"""


@dag(
    dag_id="vigie_reports",
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
    max_active_runs=2,
    tags=["vigie", "reports"],
    doc_md=DOC,
    default_args=DEFAULT_ARGS,
)
def vigie_reports():
    @task
    def reports(data_interval_start=None) -> list[str]:
        from pipelines.tasks import daily_reports

        return daily_reports(data_interval_start.date())

    reports()


vigie_reports()
