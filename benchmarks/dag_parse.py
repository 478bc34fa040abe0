"""How long each DAG file takes to parse, against a bare `import airflow.sdk`.

Issue 8 asks that each DAG file parse in at most 1.5x the time of `import airflow.sdk`. Each
sample is a fresh interpreter (so nothing is cached in sys.modules) that times, in-process,
either `import airflow.sdk` or `runpy.run_path(<dag file>)` (which imports airflow.sdk too,
as the DAG processor's parse does). Samples are interleaved round-robin so that load on a
shared machine hits every candidate alike; medians are reported.

    .venv/bin/python benchmarks/dag_parse.py [--repeats 15] [--importtime]

`--importtime` lists, per DAG file, the modules it imports beyond `import airflow.sdk`, with
their cumulative import time: the place to look when a file gets slow.
Exit code 1 if a median ratio is above --limit (default 1.5).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
BARE = "import airflow.sdk"


def _env(home: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "VIGIE"))}
    env.update(
        AIRFLOW_HOME=home,
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        PYTHONPATH=str(REPO),
    )
    return env


def _code(dag_file: Path | None) -> str:
    body = BARE if dag_file is None else f"import runpy; runpy.run_path({str(dag_file)!r})"
    return f"import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"


def sample(dag_file: Path | None, env: dict[str, str]) -> float:
    """Seconds one fresh interpreter spends importing airflow.sdk or parsing `dag_file`."""
    run = subprocess.run(
        [sys.executable, "-c", _code(dag_file)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=REPO,
    )
    if run.returncode != 0:
        raise SystemExit(f"{dag_file or BARE}: {run.stderr[-2000:]}")
    return float(run.stdout.strip().splitlines()[-1])


def measure(repeats: int, env: dict[str, str]) -> dict[str, list[float]]:
    candidates: list[Path | None] = [None, *sorted(DAGS.glob("*.py"))]
    times: dict[str, list[float]] = {}
    for _ in range(repeats):
        for candidate in candidates:
            name = "airflow.sdk" if candidate is None else candidate.name
            times.setdefault(name, []).append(sample(candidate, env))
    return times


def import_costs(dag_file: Path | None, env: dict[str, str]) -> dict[str, int]:
    """Cumulative microseconds per top-level import, from `python -X importtime`."""
    body = BARE if dag_file is None else f"import runpy; runpy.run_path({str(dag_file)!r})"
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", body],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=REPO,
    )
    costs = {}
    for line in run.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cumulative, name = (part.strip() for part in line[len("import time:") :].split("|"))
        if cumulative.isdigit():
            costs[name] = int(cumulative)
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--limit", type=float, default=1.5)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        env = _env(home)
        sample(None, env)  # warm the file cache once, not counted
        times = measure(args.repeats, env)
        bare = statistics.median(times["airflow.sdk"])
        print(f"{args.repeats} interleaved samples each, fresh interpreter per sample; medians")
        print(f"{'file':24} {'median s':>9} {'min s':>7} {'max s':>7} {'ratio':>6}")
        worst = 0.0
        for name, values in times.items():
            ratio = statistics.median(values) / bare
            worst = max(worst, ratio if name != "airflow.sdk" else 0.0)
            print(
                f"{name:24} {statistics.median(values):9.3f} {min(values):7.3f} "
                f"{max(values):7.3f} {ratio:6.2f}"
            )
        if args.importtime:
            baseline = import_costs(None, env)
            for dag_file in sorted(DAGS.glob("*.py")):
                extra = {
                    n: us for n, us in import_costs(dag_file, env).items() if n not in baseline
                }
                top = sorted(extra.items(), key=lambda kv: -kv[1])[:8]
                print(f"\n{dag_file.name}: imports beyond airflow.sdk (cumulative ms)")
                for name, us in top:
                    print(f"  {us / 1000:8.1f}  {name}")
    print(f"\nworst ratio {worst:.2f} (limit {args.limit})")
    return 0 if worst <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())
