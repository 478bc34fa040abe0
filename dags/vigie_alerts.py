"""Alerts: after each processing run, detect spikes of negative mentions and deliver them.

Wiring only. Detection writes incidents, so it takes the writer pool.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from pipelines.airflow_defaults import DEFAULT_ARGS, START, STORE, WRITER_POOL

DOC = """
### Vigie: alerts

Triggered by `vigie://duckdb/mentions` (a successful **vigie_process**). Runs spike detection
on every brand's hourly negative-mention series, stores and explains the incidents (an
ongoing incident grows under the same id), then delivers each incident once to every channel
of the watchlist (Slack-compatible webhook, signed webhook, e-mail). Delivery state is kept
per channel on the incident, so reruns never send twice; a failed delivery fails the task
and is retried.
"""


@dag(
    dag_id="vigie_alerts",
    schedule=[STORE],
    start_date=START,
    catchup=False,
    max_active_runs=1,  # one detection at a time: incidents are merged, not raced
    tags=["vigie", "alerts"],
    doc_md=DOC,
    default_args=DEFAULT_ARGS,
)
def vigie_alerts():
    @task(pool=WRITER_POOL)
    def detect_and_deliver() -> dict:
        from pipelines.errors import SourceError
        from pipelines.tasks import detect_and_alert

        outcome = detect_and_alert()
        if outcome["failed"]:
            raise SourceError(outcome["summary"])
        return {"incidents": len(outcome["incidents"]), "summary": outcome["summary"]}

    detect_and_deliver()


vigie_alerts()
