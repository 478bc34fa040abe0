"""Whole pipeline against a plain VADER loop on the same texts, measured in one run.

    python benchmarks/pipeline_ratio.py [--rows 20000]

Writes a JSONL file of demo-corpus texts (shuffled words, so texts are not repeated), then
times `vigie import` + `vigie process` into a fresh database, and a single-process loop of
`SentimentIntensityAnalyzer.polarity_scores` over the same texts. Ratio >= 1.0 means the
pipeline is at least as fast as the loop alone (the performance issue's target).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from pipelines.demo_corpus import build_corpus

VIGIE = str(Path(sys.executable).parent / "vigie")


def texts(n: int) -> list[dict]:
    posts = build_corpus(date(2026, 11, 21), days=30)
    rng = random.Random(9)
    rows = []
    for i in range(n):
        post = posts[rng.randrange(len(posts))]
        words = post.text.split()
        rng.shuffle(words)
        rows.append(
            {
                "source_id": f"b{i}",
                "published_at": post.published_at.isoformat(),
                "text": " ".join(words),
                "author": post.author,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    rows = texts(args.rows)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "bench.jsonl"
        data.write_text(
            "\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8"
        )
        db = Path(tmp) / "store" / "vigie.duckdb"
        env = {**os.environ, "VIGIE_AUTHOR_KEY": "bench"}
        started = time.perf_counter()
        subprocess.run(
            [VIGIE, "-q", "--db", str(db), "import", str(data)],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [VIGIE, "-q", "--db", str(db), "process"], env=env, check=True, capture_output=True
        )
        pipeline = time.perf_counter() - started
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    started = time.perf_counter()
    analyzer = SentimentIntensityAnalyzer()
    for row in rows:
        analyzer.polarity_scores(row["text"])
    loop = time.perf_counter() - started
    print(
        f"rows {args.rows:,}: pipeline (import + process) {pipeline:.1f} s, "
        f"plain VADER loop {loop:.1f} s, ratio loop/pipeline = {loop / pipeline:.2f}"
    )


if __name__ == "__main__":
    main()
