"""Hourly collection: every enabled (source, query) lands its data interval.

Wiring only. One mapped task per source type fans out over that source's queries in the
watchlist (read at run time, never at parse time); each runs in its source's pool, so API
concurrency is capped across workers, and none of them opens DuckDB.
"""

from __future__ import annotations

from airflow.sdk import CronDataIntervalTimetable, dag, task, task_group

from pipelines.airflow_defaults import DEFAULT_ARGS, LANDING, SOURCE_TYPES, START, source_pool

DOC = """
### Vigie: collect

For the hourly data interval, every enabled `(source, query)` of the watchlist
(`$VIGIE_CONFIG`, default `$AIRFLOW_HOME/watchlist.yaml`) lands its raw responses under the
landing zone beside `$VIGIE_DB`. A window already landed is not fetched again, so reruns and
backfills are safe. A failing source fails only its own task; `announce` then updates the
`vigie://landing` asset, which triggers **vigie_process**.

Pools: `vigie_source_<name>` per source (`airflow pools import pools.json`).
"""


@dag(
    dag_id="vigie_collect",
    schedule=CronDataIntervalTimetable("0 * * * *", timezone="UTC"),
    start_date=START,
    catchup=False,
    max_active_runs=3,  # collection is parallel-safe: batches are keyed on their window
    tags=["vigie", "collect"],
    doc_md=DOC,
    default_args=DEFAULT_ARGS,
)
def vigie_collect():
    @task
    def plan(source_type: str) -> list[str]:
        from pipelines.tasks import enabled_queries

        return enabled_queries(source_type)

    @task
    def collect(
        source_type: str, query_id: str, data_interval_start=None, data_interval_end=None
    ) -> dict:
        from pipelines.tasks import collect_query

        return collect_query(source_type, query_id, data_interval_start, data_interval_end)

    @task(trigger_rule="all_done", outlets=[LANDING])
    def announce() -> None:
        """Whatever landed (even if one source failed) is worth processing."""

    collected = []
    for source_type in SOURCE_TYPES:

        @task_group(group_id=source_type)
        def per_source(source_type: str = source_type):
            queries = plan.override(task_id="plan")(source_type)
            return (
                collect.override(task_id="collect", pool=source_pool(source_type))
                .partial(source_type=source_type)
                .expand(query_id=queries)
            )

        collected.append(per_source())
    collected >> announce()


vigie_collect()
