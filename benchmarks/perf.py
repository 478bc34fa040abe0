"""The performance suite (`make bench`): every ratio of the performance issue, in one run.

    python benchmarks/perf.py [--rows 300000] [--increment 10000]
                              [--report-rows 1000000 --report-base 100000] [--skip ...]

1. **Throughput.** `vigie import` + `vigie process` of `--rows` generated mentions
   (benchmarks/corpus.py: English and French, reposts, hashtags, emoji) into a fresh
   database, through the public command line, against a plain single-process loop of
   `SentimentIntensityAnalyzer.polarity_scores` over the same texts. Ratio = loop / pipeline:
   >= 1.0 means the whole pipeline is at least as fast as the loop alone.
2. **Correctness.** Every mention stored as English has exactly plain VADER's four scores.
3. **Memory.** Peak RSS of each command (the process and its workers, from wait4).
4. **Incremental cost.** `--increment` new mentions processed into the store of step 1,
   against the same mentions into an empty store.
5. **Reports.** `vigie report` over 30 days holding `--report-rows` mentions, against the
   same report over `--report-base`; mentions are synthesized straight into DuckDB and the
   marts rebuilt by the project's own SQL (the report reads only SQL, never the mentions).
6. **DAG parsing.** benchmarks/dag_parse.py, when present.

It prints each figure with its inputs and rewrites the performance section of
benchmarks/RESULTS.md (between the `perf` markers) with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import write as write_corpus  # noqa: E402

VIGIE = str(Path(sys.executable).parent / "vigie")
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
START, END = "<!-- perf:start -->", "<!-- perf:end -->"
REPORT_DAY = date(2026, 11, 20)
ENV = {**os.environ, "VIGIE_AUTHOR_KEY": "bench"}
ENV.pop("VIGIE_CONFIG", None)


def run(*args: str) -> tuple[float, float]:
    """Wall seconds and peak RSS (GiB) of one command, its worker processes included."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [VIGIE, "-q", *args], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - started
    err = child.stderr.read().decode() if child.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"vigie {' '.join(args)} failed: {err.strip()}")
    return elapsed, usage.ru_maxrss / 1024**2


def vader_loop(texts: list[str]) -> float:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    started = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer()
    for text in texts:
        analyzer.polarity_scores(text)
    return time.perf_counter() - started


def english_mismatches(db: Path) -> tuple[int, int]:
    """(English mentions checked, those whose scores differ from plain VADER's)."""
    import duckdb
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "select text, sentiment_compound, sentiment_pos, sentiment_neu, sentiment_neg "
        "from mentions where lang = 'en' and title is null"
    ).fetchall()
    con.close()
    bad = 0
    for text, compound, pos, neu, neg in rows:
        want = analyzer.polarity_scores(text)
        if (compound, pos, neu, neg) != (want["compound"], want["pos"], want["neu"], want["neg"]):
            bad += 1
    return len(rows), bad


def synthesize(db: Path, rows: int) -> None:
    """`rows` mentions over the 30 days before REPORT_DAY, for two brands and a competitor,
    then the marts of those days, with the project's schema and mart SQL."""
    from pipelines import db as store

    con = store.connect(db)
    con.execute(
        """
        insert into mentions by name
        select
            'm' || i as mention_id, 'import' as source, 's' || i as source_id,
            'https://social.example/' || i as url, 'a' || (i % 50000) as author_id,
            'user' || (i % 50000) as author_name, (i * 7919) % 100000 as author_followers,
            $end - to_microseconds(((i * 104729) % (30 * 86400000000))::bigint) as published_at,
            $end as collected_at, case when i % 5 < 3 then 'en' else 'fr' end as lang,
            'Synthetic mention ' || i || ' about the battery and the app' as text,
            ['Velora', 'Cyclane', 'Roulix'][1 + i % 3] as brand, i % 3 > 0 as is_competitor,
            [] as matched_terms, i % 17 as likes, i % 5 as shares, i % 3 as comments,
            (i * 7919) % 100000 + i % 25 as reach_estimate, false as is_duplicate,
            'm' || i as dup_cluster_id,
            ((i * 31) % 200 - 100) / 100.0 as sentiment_compound,
            0.2 as sentiment_pos, 0.6 as sentiment_neu, 0.2 as sentiment_neg,
            case when (i * 31) % 200 < 90 then 'negative'
                 when (i * 31) % 200 < 110 then 'neutral' else 'positive' end
                as sentiment_label,
            ['battery', 'app', 'delivery', 'price'][1 + i % 4:1 + i % 4 + 1] as topics,
            [] as entities, [] as flags, 'synthetic' as batch_id
        from range(?) as r(i)
        """.replace("$end", "timestamp '2026-11-21 00:00:00'"),
        [rows],
    )
    days = [REPORT_DAY - timedelta(days=d) for d in range(31)]
    store.refresh_marts(con, days)
    con.close()


def measure_reports(tmp: Path, big: int, small: int) -> tuple[float, float]:
    times = []
    for rows in (small, big):
        db = tmp / f"reports{rows}" / "vigie.duckdb"
        synthesize(db, rows)
        times.append(run("--db", str(db), "report", "--date", REPORT_DAY.isoformat())[0])
    return times[0], times[1]


def dag_parse() -> str | None:
    """Each DAG file's median parse time over a bare `import airflow.sdk`, from
    benchmarks/dag_parse.py, as "file ratio" pairs."""
    script = ROOT / "benchmarks" / "dag_parse.py"
    if not script.exists():
        return None
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, cwd=ROOT, check=False
    )
    rows = re.findall(
        r"^(\S+?)(?:\.py)?\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+([\d.]+)$", done.stdout, re.M
    )
    if not rows:
        return (done.stdout.strip() or done.stderr.strip())[-300:]
    bare = next((median for name, median, _ in rows if name == "airflow.sdk"), "?")
    ratios = ", ".join(f"{name} {ratio}x" for name, _, ratio in rows if name != "airflow.sdk")
    return f"bare import {bare} s (median); {ratios}"


def machine() -> str:
    cpu = "unknown CPU"
    info = Path("/proc/cpuinfo")
    if info.exists():
        found = re.search(r"model name\s*:\s*(.+)", info.read_text())
        cpu = found.group(1).strip() if found else cpu
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    load = os.getloadavg()[0]
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}), "
        f"{memory:.0f} GiB, Python {platform.python_version()}; load average at start "
        f"{load:.1f}"
    )


def write_results(lines: list[str]) -> None:
    section = "\n".join([START, *lines, END])
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if START in text and END in text:
        text = text[: text.index(START)] + section + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    RESULTS.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--increment", type=int, default=10_000)
    parser.add_argument("--report-rows", type=int, default=1_000_000)
    parser.add_argument("--report-base", type=int, default=100_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["incremental", "reports", "dags"])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    out = [
        "## Performance suite (`make bench`)",
        "",
        f"Machine: {machine()}. Date: {date.today().isoformat()}. Command: "
        f"`python benchmarks/perf.py --rows {args.rows} --increment {args.increment} "
        f"--report-rows {args.report_rows} --report-base {args.report_base}`.",
        "",
        "| What | Inputs | Result | Target |",
        "|---|---|---|---|",
    ]

    def show(row: str) -> None:
        print(row, flush=True)
        out.append(row)

    with tempfile.TemporaryDirectory(prefix="vigie-bench-") as name:
        tmp = Path(name)
        corpus = write_corpus(tmp / "corpus.jsonl", args.rows, seed=300)
        texts = [json.loads(line)["text"] for line in corpus.open(encoding="utf-8")]
        db = tmp / "full" / "vigie.duckdb"
        imported, import_rss = run("--db", str(db), "import", str(corpus))
        processed, process_rss = run("--db", str(db), "process")
        loop = vader_loop(texts)
        pipeline = imported + processed
        show(
            f"| Throughput | {args.rows:,} generated mentions | pipeline {pipeline:.1f} s "
            f"(import {imported:.1f} + process {processed:.1f}); plain VADER loop {loop:.1f} s; "
            f"**ratio {loop / pipeline:.2f}** | >= 1.0 |"
        )
        checked, bad = english_mismatches(db)
        show(
            f"| English scores equal plain VADER | {checked:,} English mentions | "
            f"{bad} differ | 0 |"
        )
        show(
            f"| Peak RSS | same run | import {import_rss:.2f} GiB, process "
            f"{process_rss:.2f} GiB | <= 1.5 GiB |"
        )
        del texts
        if "incremental" not in args.skip:
            extra = write_corpus(tmp / "extra.jsonl", args.increment, seed=301)
            run("--db", str(db), "import", str(extra))
            into_full = run("--db", str(db), "process")[0]
            empty = tmp / "empty" / "vigie.duckdb"
            run("--db", str(empty), "import", str(extra))
            into_empty = run("--db", str(empty), "process")[0]
            show(
                f"| Incremental cost | {args.increment:,} new mentions into {args.rows:,} "
                f"stored vs into an empty store | {into_full:.1f} s vs {into_empty:.1f} s: "
                f"**{into_full / into_empty:.2f}x** | <= 1.3x |"
            )
        if "reports" not in args.skip:
            small, big = measure_reports(tmp, args.report_rows, args.report_base)
            show(
                f"| 30-day report | {args.report_rows:,} vs {args.report_base:,} stored "
                f"mentions | {big:.1f} s vs {small:.1f} s: **{big / small:.2f}x** | <= 3x |"
            )
    if "dags" not in args.skip:
        parsed = dag_parse()
        if parsed:
            show(f"| DAG parsing | each dags/*.py, fresh interpreters | {parsed} | <= 1.5x |")
    if not args.no_write:
        write_results(out)
        print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
