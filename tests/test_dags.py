"""The Airflow DAGs: they import cleanly, follow the policy, and really run end to end."""

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import demo_corpus
from pipelines.demo import SINK_SECRET, SINK_SECRET_ENV, SINK_URL_ENV, demo_watchlist
from pipelines.demo_server import serve, webhook_sink

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def _airflow_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "VIGIE"))}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        **extra,
    )
    return env


def _dagbag_report(home: Path) -> str:
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "print('ERRORS', dict(bag.import_errors))\n"
        "for dag_id, dag in sorted(bag.dags.items()):\n"
        "    args = dag.default_args\n"
        "    print('DAG', dag_id, sorted(dag.tags), bool(dag.doc_md), dag.catchup,\n"
        "          dag.max_active_runs, args.get('owner'), args.get('retries'),\n"
        "          args.get('retry_exponential_backoff'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_airflow_env(home),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


DAG_IDS = ["vigie_alerts", "vigie_collect", "vigie_maintenance", "vigie_process", "vigie_reports"]


def test_dagbag_has_no_import_errors_and_follows_policy(tmp_path):
    out = _dagbag_report(tmp_path)
    assert "ERRORS {}" in out
    dags = [line.split(" ", 2) for line in out.splitlines() if line.startswith("DAG ")]
    assert [d[1] for d in dags] == DAG_IDS
    for _, dag_id, rest in dags:
        assert "'vigie'" in rest, dag_id
        # doc_md present, catchup off, an owner, >= 2 retries with exponential backoff
        assert rest.endswith(("vigie 2 True",)), (dag_id, rest)
        assert " True False " in rest, (dag_id, rest)


def test_writer_tasks_share_the_one_slot_pool_and_sources_have_their_own(tmp_path):
    code = (
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "for dag_id, dag in sorted(bag.dags.items()):\n"
        "    for t in dag.tasks:\n"
        "        print('TASK', dag_id, t.task_id, t.pool)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_airflow_env(tmp_path),
        timeout=300,
    )
    pools = {
        (line.split()[1], line.split()[2]): line.split()[3]
        for line in result.stdout.splitlines()
        if line.startswith("TASK ")
    }
    assert pools[("vigie_process", "load")] == "duckdb_writer"
    assert pools[("vigie_alerts", "detect_and_deliver")] == "duckdb_writer"
    assert all(
        pools[("vigie_maintenance", t)] == "duckdb_writer"
        for t in ("erasures", "retention", "checkpoint")
    )
    assert pools[("vigie_collect", "reddit.collect")] == "vigie_source_reddit"
    assert pools[("vigie_collect", "rss.collect")] == "vigie_source_rss"
    declared = json.loads((REPO / "pools.json").read_text())
    assert set(declared) >= set(pools.values()) - {"default_pool"}


def test_dag_files_parse_about_as_fast_as_airflow_sdk(tmp_path):
    """Each DAG file must not cost much more to parse than `import airflow.sdk` itself."""

    def seconds(code: str) -> float:
        best = []
        for _ in range(3):
            run = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)",
                ],
                capture_output=True,
                text=True,
                env=_airflow_env(tmp_path),
                timeout=300,
            )
            best.append(float(run.stdout.strip().splitlines()[-1]))
        return min(best)

    bare = seconds("import airflow.sdk")
    for dag_file in sorted(DAGS.glob("*.py")):
        parsed = seconds(f"import runpy; runpy.run_path({str(dag_file)!r})")
        # The 1.5x target is measured by benchmarks/dag_parse.py: medians 0.98-1.02x at a
        # load average of ~4, at most 1.22x at ~7 (two cores), so 2x does not fail on a busy
        # machine. It is a coarse guard: importing pipelines.process at parse time measured
        # ~1.4x, which only the sys.modules test below catches reliably.
        assert parsed < bare * 2, (dag_file.name, parsed, bare)


def test_dag_files_do_not_import_heavy_modules_at_parse_time():
    for dag_file in DAGS.glob("*.py"):
        code = (
            f"import runpy, sys; runpy.run_path({str(dag_file)!r});"
            "heavy = [m for m in ('duckdb', 'pandas', 'spacy', 'vaderSentiment', 'requests',"
            " 'pipelines.process', 'great_expectations') if m in sys.modules];"
            "print('HEAVY', heavy)"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=_airflow_env(Path("/tmp")),
            timeout=300,
        )
        assert "HEAVY []" in result.stdout, (dag_file.name, result.stdout, result.stderr[-2000:])


@pytest.fixture
def airflow_home(tmp_path):
    home = tmp_path / "airflow"
    home.mkdir()
    migrate = subprocess.run(
        [AIRFLOW, "db", "migrate"],
        capture_output=True,
        text=True,
        env=_airflow_env(home),
        timeout=600,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return home


def test_collect_process_reports_run_end_to_end_with_dags_test(airflow_home, tmp_path):
    posts = demo_corpus.build_corpus(date(2026, 11, 21), days=7)
    routes: dict = {}
    db = tmp_path / "store" / "vigie.duckdb"
    sink = tmp_path / "alerts"
    with serve(routes) as base_url, webhook_sink(sink, SINK_SECRET) as sink_url:
        routes.update(demo_corpus.render_feeds(posts, base_url))
        watchlist = demo_watchlist(base_url)
        watchlist["sources"] = [s for s in watchlist["sources"] if s["type"] == "rss"]
        config = tmp_path / "watchlist.yaml"
        config.write_text(yaml.safe_dump(watchlist), encoding="utf-8")
        env = _airflow_env(
            airflow_home,
            VIGIE_CONFIG=str(config),
            VIGIE_DB=str(db),
            **{SINK_URL_ENV: sink_url, SINK_SECRET_ENV: SINK_SECRET},
        )

        def dags_test(dag_id: str, when: str) -> str:
            result = subprocess.run(
                [AIRFLOW, "dags", "test", dag_id, when],
                capture_output=True,
                text=True,
                env=env,
                timeout=600,
            )
            log = result.stdout + result.stderr
            assert result.returncode == 0, log[-4000:]
            assert f"DagRun Finished: dag_id={dag_id}" in log and "state=success" in log, log[
                -2000:
            ]
            return log

        def tables():
            with duckdb.connect(str(db), read_only=True) as con:
                return con.execute(
                    "select (select count(*) from mentions), (select count(*) from ingest_ledger),"
                    " (select sum(mentions) from mart_brand_daily),"
                    " (select count(*) from connector_state)"
                ).fetchone()

        dags_test("vigie_collect", "2026-11-21T09:00:00+00:00")
        assert list((db.parent / "landing").glob("source=rss/date=*/batch=*/manifest.json"))
        assert not db.exists()  # collection never opens the database
        dags_test("vigie_process", "2026-11-21T09:05:00+00:00")
        first = tables()
        dags_test("vigie_alerts", "2026-11-21T09:06:00+00:00")
        delivered = sorted(p.name for p in sink.glob("*.json"))
        dags_test("vigie_reports", "2026-11-21T02:00:00+00:00")
        # The same interval again: nothing new lands, nothing changes.
        dags_test("vigie_collect", "2026-11-21T09:00:00+00:00")
        dags_test("vigie_process", "2026-11-21T09:10:00+00:00")
        dags_test("vigie_alerts", "2026-11-21T09:11:00+00:00")
    # Every incident found was delivered once, and the rerun sent nothing more.
    with duckdb.connect(str(db), read_only=True) as con:
        incidents = con.execute("select count(*) from incidents").fetchone()[0]
    assert len(delivered) == incidents
    assert sorted(p.name for p in sink.glob("*.json")) == delivered
    assert first[0] >= 100 and first[1] == 1 and first[3] == 1
    assert tables() == first
    # Airflow 3 reads the date given to `dags test` as the trigger time: the daily interval
    # of a run triggered at 2026-11-21T02:00 is the UTC day before it.
    reports = db.parent / "reports" / "2026-11-20"
    assert (reports / "reputation-velora.html").exists()
    assert (reports / "competitive-velora.html").exists()
