"""Speed and memory of near-duplicate clustering on synthetic mentions.

Run from the repository root:
``python benchmarks/dedupe_bench.py [--store N] [--batch N] [--days D] [--repeat N]``.

The texts are synthetic: words drawn from a Zipf-like vocabulary (English and French, accented
words included), tweet-sized posts and news-sized items with titles, decorated the way real
posts are (links, hashtags, handles). About 15 % of each batch are copies of a recent text:
retweets (``RT @x:`` plus a new short link), cross-posts with other hashtags, syndicated copies
with a word or two changed or a "(via Outlet)" credit, exact re-posts.

Measured:

1. signatures per second (normalization, MinHash, band keys; no database);
2. building a store of ``--store`` mentions spanning ``--days`` days, ``--batch`` at a time,
   in time order, through ``assign_clusters`` (the rows inserted into ``mentions`` after it,
   as the pipeline does);
3. the incremental cost: the same new batch (the next day, copies of recent texts included)
   clustered into an empty store and into the full one, each run in a rolled-back
   transaction and repeated; the ratio is what the issue bounds (<= 1.3). Wall-clock and CPU
   seconds (DuckDB's threads included) are both shown: on a shared machine the wall clock
   mostly measures the neighbours. It is measured with the default 30-day window and
   without a window (every stored key scanned);
4. the peak resident memory of the whole process.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from itertools import accumulate
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines import db
from pipelines.dedupe import DedupeSettings, assign_clusters, signatures_per_second

START = datetime(2026, 1, 1)
SYLLABLES = [c + v for c in "bdklmnprstvz" for v in "aeiou"]
ACCENTED = [
    "été",
    "élevé",
    "où",
    "déjà",
    "très",
    "français",
    "réseau",
    "prévu",
    "grève",
    "sécurité",
    "à",
    "côté",
    "problème",
]


class Corpus:
    """A seeded stream of synthetic mentions, with reposts of recent ones."""

    def __init__(self, seed: int = 1, vocabulary: int = 30_000) -> None:
        self.rng = random.Random(seed)
        words = set(ACCENTED)
        while len(words) < vocabulary:
            words.add("".join(self.rng.choices(SYLLABLES, k=self.rng.randint(1, 4))))
        self.words = sorted(words)
        self.cum_weights = list(
            accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(self.words)))
        )
        self.recent: list[dict] = []
        self.serial = 0

    def _sentence(self, n: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cum_weights, k=n)

    def _fresh(self) -> dict:
        rng = self.rng
        if rng.random() < 0.2:  # a news item
            title = " ".join(self._sentence(rng.randint(6, 12))).capitalize()
            text = " ".join(self._sentence(rng.randint(30, 90))) + "."
            return {
                "title": f"{title} - Outlet {rng.randint(1, 40)}",
                "text": text,
                **self._brand(),
            }
        text = " ".join(self._sentence(rng.randint(5, 35)))
        if rng.random() < 0.3:
            text += f" https://example.com/{rng.randrange(10**6)}"
        if rng.random() < 0.3:
            text += " " + " ".join(f"#{w}" for w in self._sentence(rng.randint(1, 3)))
        if rng.random() < 0.2:
            text = f"@user{rng.randrange(5000)} {text}"
        return {"title": None, "text": text, **self._brand()}

    def _brand(self) -> dict:
        return {"brand": self.rng.choice(("Velora", "Cyclane", "Roulix"))}

    def _copy(self, original: dict) -> dict:
        rng = self.rng
        text, title = original["text"], original["title"]
        kind = rng.random()
        if kind < 0.35:
            text = f"RT @user{rng.randrange(5000)}: {text} https://t.co/{rng.randrange(10**6)}"
        elif kind < 0.55:
            text = f"{text} #{rng.choice(self.words)} #{rng.choice(self.words)}"
        elif kind < 0.8:
            words = text.split()
            for _ in range(max(1, len(words) // 30)):
                words[rng.randrange(len(words))] = rng.choice(self.words)
            text = " ".join(words)
        elif kind < 0.9:
            text = f"{text} (via Outlet {rng.randint(1, 40)})"
        return {"title": title, "text": text, "brand": original["brand"]}

    def batch(
        self, n: int, day: float, days: float = 1.0, repost_share: float = 0.15
    ) -> list[dict]:
        """`n` mentions published over [day, day + days)."""
        rows = []
        for _ in range(n):
            self.serial += 1
            at = START + timedelta(days=day + days * self.rng.random())
            if self.recent and self.rng.random() < repost_share:
                body = self._copy(self.rng.choice(self.recent))
            else:
                body = self._fresh()
                self.recent.append(body)
                if len(self.recent) > 20_000:
                    del self.recent[: len(self.recent) // 2]
            rows.append(
                {
                    "mention_id": f"m{self.serial:011d}",
                    "source": "bench",
                    "source_id": str(self.serial),
                    "published_at": at,
                    "collected_at": at,
                    "author_id": f"a{self.rng.randrange(50_000)}",
                    "batch_id": f"b{day}",
                    **body,
                }
            )
        rows.sort(key=lambda r: r["published_at"])
        return rows


MENTION_COLUMNS = pa.schema(
    [
        ("mention_id", pa.string()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("published_at", pa.timestamp("us")),
        ("collected_at", pa.timestamp("us")),
        ("text", pa.string()),
        ("title", pa.string()),
        ("author_id", pa.string()),
        ("brand", pa.string()),
        ("dup_cluster_id", pa.string()),
        ("is_duplicate", pa.bool_()),
        ("batch_id", pa.string()),
    ]
)


def load(con, rows: list[dict], settings: DedupeSettings) -> tuple[float, float]:
    """What load_rows does for dedupe: assign, then insert the rows. Returns the wall and the
    process CPU time (DuckDB's threads included) of the assignment."""
    wall, cpu = time.perf_counter(), time.process_time()
    assign_clusters(con, rows, settings)
    elapsed = time.perf_counter() - wall, time.process_time() - cpu
    con.register("bench_rows", pa.Table.from_pylist(rows, schema=MENTION_COLUMNS))
    try:
        con.execute("insert into mentions by name select * from bench_rows")
    finally:
        con.unregister("bench_rows")
    return elapsed


def once(con, rows: list[dict], settings: DedupeSettings) -> tuple[float, float]:
    """Wall and CPU seconds to cluster `rows` into the store, rolled back afterwards."""
    con.execute("begin transaction")
    try:
        return load(con, [dict(r) for r in rows], settings)
    finally:
        con.execute("rollback")


def compare(empty, store, rows: list[dict], settings: DedupeSettings, repeat: int) -> list:
    """Median (wall, CPU) into the empty store and into the full one, the runs interleaved so
    that a neighbour's load on a shared machine weighs on both alike."""
    once(empty, rows, settings)  # warm-up
    once(store, rows, settings)
    runs = [(once(empty, rows, settings), once(store, rows, settings)) for _ in range(repeat)]
    return [[statistics.median(run[side][k] for run in runs) for k in (0, 1)] for side in (0, 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=int, default=300_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--days", type=float, default=90, help="time the store spans")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings = DedupeSettings()
    print(f"settings: {settings} -> bands x rows {settings.bands}, scheme {settings.scheme}")

    corpus = Corpus(args.seed)
    texts = [r["text"] for r in corpus.batch(50_000, 0)]
    signatures_per_second(texts[:2000], settings)  # warm the token cache's first entries
    rates = [signatures_per_second(texts, settings) for _ in range(3)]
    wall = statistics.median(r[0] for r in rates)
    cpu = statistics.median(r[1] for r in rates)
    print(
        f"signatures: {wall:,.0f} texts/s by the wall clock, {cpu:,.0f} texts/s of CPU time "
        "(median of 3 x 50,000 texts, one thread)"
    )

    folder = Path(tempfile.mkdtemp(prefix="dedupe-bench-"))
    batches = max(1, args.store // args.batch)
    per_batch_days = args.days / batches
    corpus = Corpus(args.seed)
    store = db.connect(folder / "store.duckdb")
    start = time.perf_counter()
    per_batch = []
    for number in range(batches):
        rows = corpus.batch(args.batch, number * per_batch_days, per_batch_days)
        with db.transaction(store):
            per_batch.append(load(store, rows, settings))
    stored = store.execute("select count(*), count(*) filter (where is_duplicate) from mentions")
    count, duplicates = stored.fetchone()
    keys = store.execute("select count(*) from mention_signature_keys").fetchone()[0]
    walls = [t[0] for t in per_batch]
    print(
        f"store: {count:,} mentions ({duplicates:,} flagged duplicates, {keys:,} keys) built in "
        f"{time.perf_counter() - start:.0f}s; assign per batch of {args.batch:,}: first "
        f"{walls[0]:.2f}s, last {walls[-1]:.2f}s, median {statistics.median(walls):.2f}s (wall)"
    )
    store.execute("checkpoint")

    new_rows = corpus.batch(args.batch, args.days)  # the next day, with copies of recent texts
    empty = db.connect(folder / "empty.duckdb")
    for window in (settings.window_days, None):
        variant = DedupeSettings(window_days=window)
        into_empty, into_store = compare(empty, store, new_rows, variant, args.repeat)
        for label, k in (("wall", 0), ("CPU", 1)):
            print(
                f"incremental ({label}), window_days={window}: {args.batch:,} new into empty "
                f"{into_empty[k]:.3f}s, into {count:,} stored {into_store[k]:.3f}s, "
                f"ratio {into_store[k] / into_empty[k]:.2f}"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak:,.0f} MiB")
    size = (folder / "store.duckdb").stat().st_size / 2**20
    print(f"store file: {size:,.0f} MiB ({folder})")


if __name__ == "__main__":
    main()
