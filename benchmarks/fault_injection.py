"""Fault injection at the sizes the data-safety issue names, through the public CLI.

    python benchmarks/fault_injection.py [--rows 60000]

1. 5,000 good rows + 60 malformed lines: loaded, quarantined, ledger.
2. The same file imported again: nothing changes.
3. `vigie process` SIGKILLed halfway through a ROWS-row batch, then run again: the final
   tables equal a clean run's.
4. Two `vigie process` started at once: the final tables equal a clean run's, no traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

from pipelines.demo_corpus import build_corpus

VIGIE = str(Path(sys.executable).parent / "vigie")
ENV = {**os.environ, "VIGIE_AUTHOR_KEY": "bench-key"}
CONTENT = {
    "mentions": "select * exclude (batch_id) from mentions order by mention_id",
    "quarantine": "select batch_id, seq, reason from quarantine order by batch_id, seq",
    "ledger": "select batch_id, received, loaded, duplicates, quarantined from ingest_ledger"
    " order by batch_id",
    "marts": "select * replace (round(avg_compound, 9) as avg_compound,"
    " round(share_of_voice, 9) as share_of_voice) from mart_brand_daily order by brand, day",
}
MALFORMED = [
    "{not json",
    '{"source_id": "m%d", "text": "no date"}',
    '{"source_id": "m%d", "published_at": "someday", "text": "bad date"}',
    '{"source_id": "m%d", "published_at": "2026-11-20T10:00:00Z", "text": "x", "likes": "many"}',
    '{"source_id": "m%d", "published_at": "2026-11-20T10:00:00Z", "text": "nul\\u0000byte"}',
    '{"source_id": "m%d", "published_at": "2026-11-20T10:00:00Z", "text": "\\ud800 lone"}',
    '{"published_at": "2026-11-20T10:00:00Z", "text": "no id %d"}',
    '["an", "array", %d]',
    '{"source_id": "m%d", "published_at": "2026-11-20T10:00:00Z", "text": 42.5}',
    '{"source_id": "m%d", "published_at": "2026-11-20T10:00:00Z", "text": "   "}',
]


def rows(n: int, seed: int = 1) -> list[str]:
    posts = build_corpus(date(2026, 11, 21), days=30)
    rng = random.Random(seed)
    out = []
    for i in range(n):
        post = posts[rng.randrange(len(posts))]
        words = post.text.split()
        rng.shuffle(words)  # vary the texts beyond the corpus
        out.append(
            json.dumps(
                {
                    "source_id": f"r{i}",
                    "published_at": post.published_at.isoformat(),
                    "text": " ".join(words),
                    "author": post.author,
                    "likes": rng.randrange(50),
                },
                ensure_ascii=False,
            )
        )
    return out


def vigie(db: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [VIGIE, "-q", "--db", str(db), *args], env=ENV, capture_output=True, text=True, timeout=3600
    )


def content(db: Path) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        return {k: con.execute(q).fetchall() for k, q in CONTENT.items()}


def ledger(db: Path) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select received, loaded, duplicates, quarantined from ingest_ledger"
        ).fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="vigie-faults-"))
    try:
        # 1 + 2: malformed lines
        good = rows(5000, seed=2)
        bad = [
            m % i if "%d" in m else m for i, m in zip(range(60), (MALFORMED * 6)[:60], strict=True)
        ]
        lines = good + bad
        random.Random(3).shuffle(lines)
        mixed = root / "mixed.jsonl"
        mixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = root / "mixed" / "vigie.duckdb"
        vigie(db, "import", str(mixed))
        vigie(db, "process")
        first = content(db)
        print(
            f"5,000 good + 60 malformed: ledger (received, loaded, duplicates, quarantined) ="
            f" {ledger(db)}"
        )
        vigie(db, "import", str(mixed))
        again = vigie(db, "process")
        print(
            f"re-import of the same file: unchanged = {content(db) == first}"
            f" ({again.stdout.strip()})"
        )

        # 3: SIGKILL halfway through a big batch
        big = root / "big.jsonl"
        big.write_text("\n".join(rows(args.rows)) + "\n", encoding="utf-8")
        template = root / "template"
        vigie(template / "vigie.duckdb", "import", str(big))
        (template / "vigie.duckdb").unlink(missing_ok=True)
        clean = root / "clean"
        shutil.copytree(template, clean)
        started = time.monotonic()
        vigie(clean / "vigie.duckdb", "process").check_returncode()
        clean_seconds = time.monotonic() - started
        reference = content(clean / "vigie.duckdb")
        print(
            f"clean process of {args.rows:,} rows: {clean_seconds:.1f} s, ledger "
            f"{ledger(clean / 'vigie.duckdb')}"
        )
        for fraction in (0.25, 0.5, 0.9):
            store = root / f"killed-{fraction}"
            shutil.copytree(template, store)
            proc = subprocess.Popen(
                [VIGIE, "-q", "--db", str(store / "vigie.duckdb"), "process"],
                env=ENV,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(clean_seconds * fraction)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            rerun = vigie(store / "vigie.duckdb", "process")
            same = content(store / "vigie.duckdb") == reference
            print(
                f"SIGKILL at {fraction:.0%} of a clean run, then rerun: exit {rerun.returncode},"
                f" identical to the clean run = {same}"
            )

        # 4: two writers at once
        store = root / "concurrent"
        shutil.copytree(template, store)
        command = [VIGIE, "-q", "--db", str(store / "vigie.duckdb"), "process"]
        procs = [
            subprocess.Popen(
                command, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for _ in range(2)
        ]
        results = [(p.wait(), p.stderr.read()) for p in procs]
        same = content(store / "vigie.duckdb") == reference
        print(
            f"two concurrent process runs: exit codes {[r[0] for r in results]}, "
            f"tracebacks {sum('Traceback' in r[1] for r in results)}, stderr "
            f"{[r[1].strip() for r in results]}, identical to the clean run = {same}"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
