"""FastVader against the reference VADER loop on the same texts, in one process.

    python benchmarks/vader_speed.py [--rows 20000] [--in bench.jsonl]

Texts are the "text" field of `benchmarks/corpus.py` mentions (generated here with --rows,
or read from a JSONL file it wrote, which is quicker for large runs). Both analyzers score
every text, taking turns on chunks of 500; the script prints texts per second for each
(time.perf_counter) and the number of texts whose score dicts differ, which must be 0:
FastVader is only a faster re-implementation of VADER (Hutto & Gilbert 2014), not a
different model. Exit status 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from benchmarks.corpus import generate  # noqa: E402
from pipelines.vader import FastVader  # noqa: E402


def load_texts(rows: int, path: Path | None) -> list[str]:
    if path is None:
        return [row["text"] for row in generate(rows)]
    with path.open(encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()][:rows]


def timed(
    analyzers: list[Any], texts: list[str], chunk: int = 500
) -> tuple[list[list[dict[str, float]]], list[float]]:
    """Each analyzer's scores and total seconds, the analyzers taking turns on chunks of
    texts (and swapping who goes first) so that load from other processes on a shared
    machine weighs on both alike."""
    results: list[list[dict[str, float]]] = [[] for _ in analyzers]
    seconds = [0.0] * len(analyzers)
    for n, start in enumerate(range(0, len(texts), chunk)):
        part = texts[start : start + chunk]
        order = range(len(analyzers)) if n % 2 == 0 else reversed(range(len(analyzers)))
        for k in order:
            score = analyzers[k].polarity_scores
            begin = time.perf_counter()
            scores = [score(t) for t in part]
            seconds[k] += time.perf_counter() - begin
            results[k] += scores
    return results, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--in", dest="path", type=Path, default=None)
    args = parser.parse_args()

    texts = load_texts(args.rows, args.path)
    reference = SentimentIntensityAnalyzer()
    fast = FastVader()
    (expected, got), (ref_seconds, fast_seconds) = timed([reference, fast], texts)
    mismatches = [i for i, (e, g) in enumerate(zip(expected, got, strict=True)) if e != g]

    n = len(texts)
    print(f"texts:        {n:,} ({sum(map(len, texts)):,} characters)")
    print(f"reference:    {ref_seconds:8.2f} s  {n / ref_seconds:10,.0f} texts/s")
    print(f"FastVader:    {fast_seconds:8.2f} s  {n / fast_seconds:10,.0f} texts/s")
    print(f"speed-up:     {ref_seconds / fast_seconds:8.1f}x")
    print(f"mismatches:   {len(mismatches)}")
    for i in mismatches[:5]:
        print(f"  {texts[i]!r}: reference {expected[i]} FastVader {got[i]}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
