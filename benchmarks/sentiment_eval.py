"""Sentiment and language-detection figures for Vigie's Scorer, against the baselines.

Run from the repository root:

    python benchmarks/sentiment_eval.py [--data DIR]

It reads the labelled tweets in ../shared/data/sentiment (TSV `label<TAB>text`, 0 negative,
1 neutral, 2 positive), which are kept out of the repository, and prints for train and val:
macro-F1 and accuracy per language for plain VADER, the vaderSentiment-fr lexicon as packaged,
English VADER on French and our Scorer; Pearson's r of compound against the label; language
detection accuracy; throughput; and the time to score 100 KB pathological posts.
The val split was never used to choose rules, words or thresholds.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipelines.sentiment import Scorer, label_for  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "sentiment"
LABELS = {"negative": 0, "neutral": 1, "positive": 2}
Rows = list[tuple[int, str]]


def load(data: Path, lang: str, split: str) -> Rows:
    rows = []
    for line in (data / f"xlmt-{lang}-{split}.tsv").read_text(encoding="utf-8").splitlines():
        label, text = line.split("\t", 1)
        rows.append((int(label), text))
    return rows


def macro_f1(gold: Sequence[int], predicted: Sequence[int]) -> float:
    scores = []
    for k in (0, 1, 2):
        tp = sum(g == k and p == k for g, p in zip(gold, predicted, strict=True))
        fp = sum(g != k and p == k for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == k and p != k for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0)
    return sum(scores) / 3


def accuracy(gold: Sequence[int], predicted: Sequence[int]) -> float:
    return sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    cov = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return cov / (sx * sy) if sx and sy else 0.0


def baselines() -> dict[str, Callable[[str], float]]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer as English

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fuzzywuzzy's note about an optional speed-up
        from vaderSentiment_fr.vaderSentiment import SentimentIntensityAnalyzer as French

    english, french = English(), French()
    return {
        "plain VADER": lambda t: english.polarity_scores(t)["compound"],
        "vaderSentiment-fr as packaged": lambda t: french.polarity_scores(t)["compound"],
    }


def evaluate(rows: Rows, compound: Callable[[str], float]) -> tuple[float, float, float]:
    gold = [label for label, _ in rows]
    values = [compound(text) for _, text in rows]
    predicted = [LABELS[label_for(v)] for v in values]
    return macro_f1(gold, predicted), accuracy(gold, predicted), pearson(values, gold)


def throughput(texts: list[str], func: Callable[[str], object], rounds: int = 3) -> float:
    """Texts per second, best of a few rounds after a warm-up pass."""
    for text in texts[:20]:
        func(text)
    best = math.inf
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            func(text)
        best = min(best, time.perf_counter() - start)
    return len(texts) / best


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"default {DEFAULT_DATA}")
    args = parser.parse_args(argv)
    if not (args.data / "xlmt-fr-val.tsv").exists():
        print(f"no labelled data in {args.data}: nothing to evaluate", file=sys.stderr)
        return 2

    start = time.perf_counter()
    scorer = Scorer(("en", "fr"))
    scorer.score("warm up", lang="en"), scorer.score("chauffe", lang="fr"), scorer.detect("x y z")
    print(f"Scorer ready in {time.perf_counter() - start:.2f} s (models load once per process)")
    base = baselines()
    systems: dict[str, dict[str, Callable[[str], float]]] = {
        "en": {
            "(a) plain VADER": base["plain VADER"],
            "(d) Scorer, lang=en": lambda t: scorer.score(t, lang="en").compound,
            "(d) Scorer, detected": lambda t: scorer.score(t).compound,
        },
        "fr": {
            "(c) English VADER on French": base["plain VADER"],
            "(b) vaderSentiment-fr as packaged": base["vaderSentiment-fr as packaged"],
            "(d) Scorer, lang=fr": lambda t: scorer.score(t, lang="fr").compound,
            "(d) Scorer, detected": lambda t: scorer.score(t).compound,
        },
    }
    for split in ("train", "val"):
        print(f"\n== {split} ==")
        print(f"{'lang':<6}{'system':<38}{'macro-F1':>9}{'acc':>8}{'r':>8}")
        for lang, named in systems.items():
            rows = load(args.data, lang, split)
            for name, func in named.items():
                f1, acc, r = evaluate(rows, func)
                print(f"{lang:<6}{name:<38}{f1:>9.3f}{acc:>8.3f}{r:>8.3f}")
        print("\nlanguage detection (no hint):")
        for lang in ("en", "fr"):
            rows = load(args.data, lang, split)
            wrong = [t for _, t in rows if scorer.detect(t) != lang]
            print(f"  {lang}: {1 - len(wrong) / len(rows):.4f} ({len(wrong)} of {len(rows)} wrong)")
        en_rows = load(args.data, "en", split)
        same = sum(
            scorer.score(t, lang="en").compound == base["plain VADER"](t) for _, t in en_rows
        )
        print(f"English compounds identical to plain VADER: {same} of {len(en_rows)}")

    print("\n== throughput on the val tweets (texts/s, one process, best of 3) ==")
    for lang in ("en", "fr"):
        texts = [t for _, t in load(args.data, lang, "val")]
        figures = {
            "Scorer, detect + score (vigie score)": lambda t: scorer.score(t),
            f"Scorer, lang={lang} given": lambda t, lang=lang: scorer.score(t, lang=lang),
            "plain VADER": base["plain VADER"],
        }
        if lang == "fr":
            figures["vaderSentiment-fr as packaged"] = base["vaderSentiment-fr as packaged"]
        for name, func in figures.items():
            print(f"  {lang}  {name:<38}{throughput(texts, func):>9,.0f}")

    print("\n== pathological posts (100 KB each; seconds per score) ==")
    posts = {
        "100 KB of emoji": "😂🔥😍👍" * 25_000,
        "100 KB of English words": ("the new bike is great but support was slow " * 2400)[:100_000],
        "100 KB of French words": ("le vélo est super mais le service est nul " * 2400)[:100_000],
        "100 KB without a space": "a" * 100_000,
    }
    for name, text in posts.items():
        cells = []
        for lang in ("en", "fr", None):
            start = time.perf_counter()
            scorer.score(text, lang=lang)
            cells.append(f"{lang or 'detected'} {time.perf_counter() - start:.3f}")
        print(f"  {name:<26}" + "   ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
