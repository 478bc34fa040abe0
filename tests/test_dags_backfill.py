"""Backfilling gives the same tables as the hourly runs did.

Two stores collect the same hours from the same loopback sample server:

- hour by hour, `airflow dags test vigie_collect` then `vigie_process` for each interval, as
  the hourly schedule would;
- with a real `airflow backfill create` over the same hours, executed by a real
  `airflow scheduler` (LocalExecutor) and `airflow api-server` (Airflow 3's task execution
  API), then one `vigie_process` run, as the `vigie://landing` asset would trigger it.

The scheduler runs with `use_job_schedule = False`: vigie_collect must be unpaused for its
backfill runs to start, and this keeps the scheduler from adding the current interval on top.
That same switch stops asset-triggered runs, so the backfill side processes with `dags test`.

The sample server answers every window with the whole sample (like a live RSS feed, it has no
time query), so consecutive batches overlap: the hourly side lands and loads them one after
the other, the backfill lands three at once in whatever order its runs finish, then loads
them together. Same rows either way is what makes backfills safe.
"""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import demo_corpus
from pipelines.demo import demo_watchlist
from pipelines.demo_server import serve

REPO = Path(__file__).resolve().parent.parent
AIRFLOW = str(Path(sys.executable).parent / "airflow")
HOURS = ["2026-11-20T09:00:00+00:00", "2026-11-20T10:00:00+00:00", "2026-11-20T11:00:00+00:00"]
# What depends on when and in which batch a row was processed, not on what was collected.
PROCESSING_COLUMNS = "batch_id, collected_at"


# Both stores pseudonymize authors with the same key, as every worker of one deployment must
# (otherwise each store draws its own random key and author_id differs by design).
AUTHOR_KEY = os.urandom(16).hex()


def _env(home: Path, db: Path, config: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "VIGIE"))}
    env.update(
        VIGIE_AUTHOR_KEY=AUTHOR_KEY,
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        VIGIE_CONFIG=str(config),
        VIGIE_DB=str(db),
        **extra,
    )
    return env


def _airflow(env: dict[str, str], *args: str, timeout: int = 600) -> str:
    result = subprocess.run(
        [AIRFLOW, *args], capture_output=True, text=True, env=env, timeout=timeout
    )
    log = result.stdout + result.stderr
    if result.returncode != 0:
        errors = [line for line in log.splitlines() if "error" in line.lower()]
        pytest.fail(f"airflow {' '.join(args)}:\n" + "\n".join(errors[:20]) + log[-3000:])
    return log


def _dags_test(env: dict[str, str], dag_id: str, when: str) -> None:
    log = _airflow(env, "dags", "test", dag_id, when)
    assert f"DagRun Finished: dag_id={dag_id}" in log and "state=success" in log, log[-3000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, proc: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"{proc.args} exited with {proc.returncode}"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} not up after {seconds}s")


def _runs(home: Path, dag_id: str) -> list[tuple[str, str]]:
    with sqlite3.connect(f"file:{home / 'airflow.db'}?mode=ro", uri=True) as con:
        return con.execute(
            "select run_id, state from dag_run where dag_id = ? order by run_id", (dag_id,)
        ).fetchall()


def _stop(proc: subprocess.Popen) -> None:
    """Stop a process this test started, with the workers it forked (its own session)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def _tables(db: Path) -> dict[str, list[tuple]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {
            "mentions": con.execute(
                f"select * exclude ({PROCESSING_COLUMNS}) from mentions order by mention_id"
            ).fetchall(),
            "mart_brand_daily": con.execute(
                "select * from mart_brand_daily order by all"
            ).fetchall(),
            "mart_brand_hourly": con.execute(
                "select * from mart_brand_hourly order by all"
            ).fetchall(),
            "raw_records": con.execute(
                "select source, source_id, window_start, window_end, payload from raw_records"
                " order by all"
            ).fetchall(),
            "ledger": con.execute(
                "select source, query_id, window_start, window_end, received,"
                " loaded + duplicates, quarantined from ingest_ledger order by all"
            ).fetchall(),
        }


@pytest.fixture(scope="module")
def migrated_home(tmp_path_factory) -> Path:
    """One migrated metadata database, copied for each path (a migration takes ~10 s)."""
    home = tmp_path_factory.mktemp("airflow")
    scratch = home.parent / "unused"
    _airflow(_env(home, scratch / "db", scratch / "w.yaml"), "db", "migrate")
    return home


def _home(migrated: Path, target: Path) -> Path:
    target.mkdir()
    (target / "airflow.db").write_bytes((migrated / "airflow.db").read_bytes())
    return target


@pytest.mark.timeout(1200)  # ~4 min on an idle 2-core machine; leave room for a busy one
def test_backfill_gives_the_same_tables_as_hourly_runs(migrated_home, tmp_path):
    posts = demo_corpus.build_corpus(date(2026, 11, 21), days=3)
    routes: dict = {}
    with serve(routes) as base_url:
        routes.update(demo_corpus.render_feeds(posts, base_url))
        watchlist = demo_watchlist(base_url)
        watchlist["sources"] = [s for s in watchlist["sources"] if s["type"] in ("rss", "reddit")]
        config = tmp_path / "watchlist.yaml"
        config.write_text(yaml.safe_dump(watchlist), encoding="utf-8")

        # 1. the hourly runs, one interval after the other
        hourly_db = tmp_path / "hourly" / "vigie.duckdb"
        env = _env(_home(migrated_home, tmp_path / "home-hourly"), hourly_db, config)
        for start in HOURS:
            end = datetime.fromisoformat(start) + timedelta(hours=1)
            # the run triggered at `end` lands [start, end)
            _dags_test(env, "vigie_collect", end.isoformat())
            _dags_test(env, "vigie_process", (end + timedelta(minutes=5)).isoformat())

        # 2. a real backfill of the same hours, executed by a scheduler
        home = _home(migrated_home, tmp_path / "home-backfill")
        backfill_db = tmp_path / "backfill" / "vigie.duckdb"
        port = _free_port()
        env = _env(
            home,
            backfill_db,
            config,
            AIRFLOW__CORE__EXECUTOR="LocalExecutor",
            AIRFLOW__CORE__PARALLELISM="4",
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://127.0.0.1:{port}/execution/",
            AIRFLOW__API_AUTH__JWT_SECRET="vigie-backfill-test-" + os.urandom(8).hex(),
            AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
        )
        _airflow(env, "dags", "reserialize")
        _airflow(env, "pools", "import", str(REPO / "pools.json"))  # tasks wait for their pool
        _airflow(env, "dags", "unpause", "vigie_collect")
        _airflow(
            env,
            "backfill",
            "create",
            "--dag-id",
            "vigie_collect",
            "--from-date",
            HOURS[0],
            "--to-date",
            HOURS[-1],  # inclusive: logical dates are the interval starts
        )
        assert [state for _, state in _runs(home, "vigie_collect")] == ["queued"] * len(HOURS)
        logs = tmp_path / "daemons"
        logs.mkdir()
        daemons = []
        try:
            api = subprocess.Popen(
                [AIRFLOW, "api-server", "--host", "127.0.0.1", "--port", str(port)],
                env=env,
                stdout=(logs / "api.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            daemons.append(api)
            _wait_http(f"http://127.0.0.1:{port}/execution/health", api, 120)
            scheduler = subprocess.Popen(
                [AIRFLOW, "scheduler"],
                env=env,
                stdout=(logs / "scheduler.log").open("w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            daemons.append(scheduler)
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                states = [state for _, state in _runs(home, "vigie_collect")]
                if all(s in ("success", "failed") for s in states):
                    break
                assert scheduler.poll() is None, (logs / "scheduler.log").read_text()[-3000:]
                time.sleep(2)
        finally:
            for proc in reversed(daemons):
                _stop(proc)
        runs = _runs(home, "vigie_collect")
        assert [state for _, state in runs] == ["success"] * len(HOURS), (
            runs,
            (logs / "scheduler.log").read_text()[-3000:],
        )
        assert all(run_id.startswith("backfill__") for run_id, _ in runs)
        _dags_test(env, "vigie_process", "2026-11-20T12:05:00+00:00")

    hourly, backfilled = _tables(hourly_db), _tables(backfill_db)
    assert len(hourly["ledger"]) == len(HOURS) * len(watchlist["sources"])
    assert len(hourly["mentions"]) >= 50 and hourly["mart_brand_hourly"]
    for table, rows in hourly.items():
        assert backfilled[table] == rows, (table, _differences(hourly_db, backfill_db, table))


def _differences(left: Path, right: Path, table: str) -> dict[str, list]:
    """Which columns differ between two stores, with a few examples: what to fix first."""
    if table != "mentions":
        return {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as l (read_only); attach '{right}' as r (read_only)")
        columns = [d[0] for d in con.execute("select * from l.mentions limit 0").description]
        found = {}
        for column in columns:
            rows = con.execute(
                f"select mention_id, l.{column}::varchar, r.{column}::varchar"
                " from l.mentions l full join r.mentions r using (mention_id)"
                f" where l.{column}::varchar is distinct from r.{column}::varchar limit 3"
            ).fetchall()
            if rows and column not in PROCESSING_COLUMNS:
                found[column] = rows
        return found
