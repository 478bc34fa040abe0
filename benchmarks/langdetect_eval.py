"""The English/French pre-classifier (pipelines.langdetect) against the py3langid-only detect.

Run from the repository root:

    python benchmarks/corpus.py --rows 300000 --out /tmp/lang_check.jsonl   # once
    python benchmarks/langdetect_eval.py [--data DIR] [--generated FILE] [--show N]

For each set it prints: the share of texts the fast path decides, its agreement there with
the old detect (py3langid alone, as `Scorer.detect` was before), the accuracy against the
gold language of the old and the new detect, and microseconds per text for old detect, new
detect and plain VADER scoring, in this one process (time.perf_counter, best of --rounds).

Sets: the labelled tweets in ../shared/data/sentiment (the file says the language), the demo
corpus (each post has `.lang`), and the generated corpus (no gold: agreement only).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines import sentiment  # noqa: E402
from pipelines.langdetect import pre_classify  # noqa: E402
from pipelines.sentiment import Scorer  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment"
DEFAULT_GENERATED = Path("/tmp/lang_check.jsonl")
Rows = list[tuple[str, str | None]]  # (text, gold language or None)


def _never(sample: str) -> None:
    return None


@contextmanager
def old_detect() -> Iterator[None]:
    """`Scorer.detect` as it was: the pre-classifier never answers, py3langid always runs."""
    with mock.patch.object(sentiment, "pre_classify", _never):
        yield


def load_sets(data: Path, generated: Path) -> dict[str, Rows]:
    sets: dict[str, Rows] = {}
    if (data / "xlmt-fr-val.tsv").exists():
        for split in ("train", "val"):
            rows: Rows = []
            for lang in ("en", "fr"):
                path = data / f"xlmt-{lang}-{split}.tsv"
                rows += [(line.split("\t", 1)[1], lang) for line in path.read_text().splitlines()]
            sets[f"tweets {split}"] = rows
    else:
        print(f"no labelled tweets in {data}: skipped", file=sys.stderr)
    from pipelines.demo_corpus import build_corpus

    posts = build_corpus(date(2026, 11, 21), days=30, credentials=True)
    sets["demo corpus"] = [(p.text, p.lang) for p in posts]
    if generated.exists():
        with generated.open(encoding="utf-8") as lines:
            sets["generated"] = [(json.loads(line)["text"], None) for line in lines]
    else:
        print(f"no {generated}: run benchmarks/corpus.py first; skipped", file=sys.stderr)
    return sets


def fast_decisions(scorer: Scorer, texts: Sequence[str]) -> tuple[list[str | None], list[str]]:
    """What the pre-classifier answered for each text (None: not asked or unsure), and the
    new detect's answer."""
    answered: list[str | None] = []

    def recording(sample: str) -> str | None:
        answered[-1] = pre_classify(sample)
        return answered[-1]

    decided = []
    with mock.patch.object(sentiment, "pre_classify", recording):
        for text in texts:
            answered.append(None)
            decided.append(scorer.detect(text))
    return answered, decided


def per_text(texts: Sequence[str], func: Callable[[str], object], rounds: int) -> float:
    """Microseconds per text, best of `rounds` passes."""
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            func(text)
        best = min(best, time.perf_counter() - start)
    return best / len(texts) * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--generated", type=Path, default=DEFAULT_GENERATED)
    parser.add_argument("--rounds", type=int, default=3, help="timing passes (best kept)")
    parser.add_argument("--show", type=int, default=0, help="print N disagreements per set")
    args = parser.parse_args(argv)

    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()
    scorer = Scorer(("en", "fr"))
    scorer.detect("warm up the model")
    header = (
        f"{'set':<14}{'texts':>8}{'decided':>9}{'agree':>9}{'acc old':>9}{'acc new':>9}"
        f"{'µs old':>8}{'µs new':>8}{'µs fast':>8}{'µs VADER':>9}"
    )
    print(header)
    for name, rows in load_sets(args.data, args.generated).items():
        texts = [text for text, _ in rows]
        with old_detect():
            old = [scorer.detect(text) for text in texts]
        fast, new = fast_decisions(scorer, texts)
        decided = [k for k, lang in enumerate(fast) if lang is not None]
        agree = sum(fast[k] == old[k] for k in decided)
        rounds = 1 if len(texts) > 50_000 else args.rounds
        with old_detect():
            us_old = per_text(texts, scorer.detect, rounds)
        us_new = per_text(texts, scorer.detect, rounds)
        us_vader = per_text(texts, vader.polarity_scores, rounds)
        samples = [sentiment._NOT_LANGUAGE.sub(" ", t[:1000]).replace("#", " ") for t in texts]
        us_fast = per_text(samples, pre_classify, rounds)
        gold = [lang for _, lang in rows]
        if gold[0] is None:
            acc_old = acc_new = "-"
        else:
            acc_old = f"{sum(g == o for g, o in zip(gold, old, strict=True)) / len(gold):.2%}"
            acc_new = f"{sum(g == n for g, n in zip(gold, new, strict=True)) / len(gold):.2%}"
        print(
            f"{name:<14}{len(texts):>8,}{len(decided) / len(texts):>9.1%}"
            f"{agree / max(len(decided), 1):>9.2%}{acc_old:>9}{acc_new:>9}"
            f"{us_old:>8.0f}{us_new:>8.0f}{us_fast:>8.1f}{us_vader:>9.0f}",
            flush=True,
        )
        shown = [k for k in decided if fast[k] != old[k]][: args.show]
        for k in shown:
            print(f"    fast {fast[k]} old {old[k]} gold {gold[k]}: {texts[k][:150]!r}")
        if gold[0] is not None:
            print(
                f"{'':<14}wrong: old {sum(g != o for g, o in zip(gold, old, strict=True))},"
                f" new {sum(g != n for g, n in zip(gold, new, strict=True))};"
                f" fast path wrong {sum(fast[k] != gold[k] for k in decided)}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
