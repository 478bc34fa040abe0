"""The Airflow DAGs: they import cleanly, follow the policy, and really run end to end."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import demo_corpus
from pipelines.demo import demo_watchlist
from pipelines.demo_server import serve

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


def test_dagbag_has_no_import_errors_and_follows_policy(tmp_path):
    out = _dagbag_report(tmp_path)
    assert "ERRORS {}" in out
    dags = [line.split() for line in out.splitlines() if line.startswith("DAG ")]
    assert [d[1] for d in dags] == ["vigie_daily"]
    for d in dags:
        _, dag_id, *rest = d
        assert "['vigie']" in " ".join(rest), dag_id
        text = " ".join(rest)
        assert text.endswith("True False 1 vigie 2 True"), (dag_id, text)


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


def test_vigie_daily_runs_end_to_end_with_dags_test(airflow_home, tmp_path):
    day = date(2026, 11, 20)
    posts = demo_corpus.build_corpus(date(2026, 11, 21), days=7)
    routes: dict = {}
    db = tmp_path / "store" / "vigie.duckdb"
    with serve(routes) as base_url:
        routes.update(demo_corpus.render_feeds(posts, base_url))
        config = tmp_path / "watchlist.yaml"
        config.write_text(yaml.safe_dump(demo_watchlist(base_url)), encoding="utf-8")
        env = _airflow_env(airflow_home, VIGIE_CONFIG=str(config), VIGIE_DB=str(db))

        def dags_test():
            result = subprocess.run(
                [AIRFLOW, "dags", "test", "vigie_daily", day.isoformat()],
                capture_output=True,
                text=True,
                env=env,
                timeout=600,
            )
            assert result.returncode == 0, (result.stdout[-3000:], result.stderr[-3000:])
            return result.stdout + result.stderr

        first_log = dags_test()
        for task_id in ("collect", "process", "report"):
            assert f"task_id={task_id}" in first_log or task_id in first_log
        with duckdb.connect(str(db), read_only=True) as con:
            first = con.execute(
                "select (select count(*) from mentions), (select count(*) from ingest_ledger),"
                " (select sum(mentions) from mart_brand_daily)"
            ).fetchone()
        dags_test()
    with duckdb.connect(str(db), read_only=True) as con:
        second = con.execute(
            "select (select count(*) from mentions), (select count(*) from ingest_ledger),"
            " (select sum(mentions) from mart_brand_daily)"
        ).fetchone()
    assert first[0] == len({p.guid for p in posts})
    assert first == second  # the rerun of the same interval changed nothing
    # Airflow 3 reads the date given to `dags test` as the run's trigger time, so the daily
    # data interval it runs is the UTC day before it.
    reports = db.parent / "reports" / (day - timedelta(days=1)).isoformat()
    assert (reports / "reputation-velora.html").exists()
    assert (reports / "competitive-velora.html").exists()
