"""The vectorized paths of near-duplicate clustering give what the per-row code they replaced
gave: the reference implementations below are that code, kept small."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import duckdb
import numpy as np
import pytest

from pipelines import db
from pipelines import dedupe as d


def _reference_bucket_pairs(keys: np.ndarray, rows: np.ndarray) -> set[tuple[int, int]]:
    """The per-bucket loop, one band at a time."""
    found: set[tuple[int, int]] = set()
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        k, r = keys[order, band], rows[order]
        cuts = np.flatnonzero(np.diff(k)) + 1
        starts = np.concatenate([[0], cuts])
        sizes = np.diff(np.concatenate([starts, [len(k)]]))
        for start, size in zip(starts, sizes, strict=True):
            members = r[start : start + size]
            for i in range(min(size, d._BUCKET_ALL_PAIRS)):
                for j in range(i + 1, size):
                    found.add((int(members[i]), int(members[j])))
    return found


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_bucket_pairs_match_the_per_bucket_loop(seed):
    rng = np.random.default_rng(seed)
    count = 300
    keys = rng.integers(0, 12, size=(count, 3)).astype(np.int64)  # buckets of ~25: > 16
    keys[:, 2] = rng.integers(-(2**62), 2**62, size=count)  # a band of singletons
    rows = np.sort(rng.choice(10_000, size=count, replace=False)).astype(np.int64)
    first, second = d._bucket_pairs(keys, rows)
    assert set(zip(first.tolist(), second.tolist(), strict=True)) == (
        _reference_bucket_pairs(keys, rows)
    )
    empty = d._bucket_pairs(keys[:0], rows[:0])
    assert len(empty[0]) == len(empty[1]) == 0


def test_forest_roots_are_what_find_gives():
    rng = random.Random(4)
    forest = d._Forest(500)
    for _ in range(400):
        forest.union(rng.randrange(500), rng.randrange(500))
    roots = forest.roots()
    assert roots.tolist() == [forest.find(i) for i in range(500)]


def _reference_minhash(found: list[str], settings: d.DedupeSettings) -> np.ndarray:
    """One text's MinHash, built the per-row way."""
    k = settings.shingle
    hashes = [d._h64("t", t) for t in found]
    start_mark, end_mark = d._BOUNDARY
    if k > 1:
        hashes = [start_mark, *hashes, end_mark, *[end_mark] * (k - len(hashes) - 2)]
    th = np.array(hashes, dtype=np.uint64)
    if k > 1:
        h = th[: len(th) - k + 1]
        for j in range(1, k):
            h = d._mix(h * d._M1 + th[j : len(th) - k + 1 + j])
    else:
        h = d._mix(th)
    values = d._Hasher.get(settings).a[:, None] * (h >> np.uint64(32))[None, :]
    values += d._Hasher.get(settings).b[:, None]
    return (values.min(axis=1) >> np.uint64(32)).astype(np.uint32)


@pytest.mark.parametrize(("shingle", "min_tokens"), [(1, 1), (2, 5), (3, 1), (5, 1)])
def test_signatures_match_the_per_row_construction(shingle, min_tokens):
    settings = d.DedupeSettings(shingle=shingle, min_tokens=min_tokens, num_perm=32)
    texts = ["one", "one two", "a b c d e f g", "a b c d e f g", "x y z w v", "", "lol"]
    rows = [
        {"mention_id": str(i), "text": t, "published_at": datetime(2026, 1, 1), "brand": b}
        for i, (t, b) in enumerate(zip(texts, ["A", "B", "A", "B", "A", "A", "A"], strict=True))
    ]
    batch = d._sign(rows, settings)
    lsh = [i for i, t in enumerate(texts) if len(t.split()) >= min_tokens]
    assert batch.lsh.tolist() == lsh
    for place, i in enumerate(lsh):
        assert (batch.minhash[place] == _reference_minhash(texts[i].split(), settings)).all()
    scopes = np.array([d._scope(rows[i]["brand"]) for i in lsh], dtype=np.uint64)
    bands, per_band = settings.bands
    for place in range(len(lsh)):  # band keys, one band at a time
        for band in range(bands):
            h = scopes[place : place + 1] ^ d._Hasher.get(settings).band_seeds[band]
            for col in range(band * per_band, (band + 1) * per_band):
                h = d._mix(h ^ batch.minhash[place : place + 1, col].astype(np.uint64))
            assert h.view(np.int64)[0] == batch.bands[place, band]


def test_exact_keys_and_times_match_the_per_row_helpers():
    paris = timezone(timedelta(hours=2))
    rows = [
        {"mention_id": "a", "text": "one two three four five", "brand": "B",
         "published_at": datetime(2026, 1, 1, 12, tzinfo=paris)},
        {"mention_id": "b", "text": "hi there", "author_id": "u1",
         "published_at": datetime(2026, 1, 1, 12)},
        {"mention_id": "c", "text": "hi there", "published_at": datetime(2026, 1, 1, 12)},
    ]  # fmt: skip
    batch = d._sign(rows, d.DedupeSettings())
    assert batch.times[0] == rows[0]["published_at"].astimezone(UTC).replace(tzinfo=None)
    assert batch.times == [datetime(2026, 1, 1, 10), *[datetime(2026, 1, 1, 12)] * 2]
    assert batch.exact_rows.tolist() == [0, 1]  # a short text without an author has no key
    assert batch.exact_keys.tolist() == [
        d._signed(d._h64(d.NORMALIZATION, "text", "B", "one two three four five")),
        d._signed(d._h64(d.NORMALIZATION, "short", "", "u1", "hi there")),
    ]


def test_rank_is_python_order_of_time_then_id():
    ids = ["b", "a", "é", "Z", "a0", "ab"]
    times = [datetime(2026, 1, 1)] * 5 + [datetime(2025, 1, 1)]
    rows = [
        {"mention_id": m, "text": "", "published_at": t} for m, t in zip(ids, times, strict=True)
    ]
    batch = d._sign(rows, d.DedupeSettings())
    expected = sorted(range(len(ids)), key=lambda i: (times[i], ids[i]))
    assert np.argsort(batch.rank).tolist() == expected


def test_stored_minhash_is_null_for_short_texts_and_bytes_otherwise():
    con = duckdb.connect()
    db.ensure_schema(con)
    rows = [
        {"mention_id": "s", "text": "lol", "published_at": datetime(2026, 1, 1)},
        {"mention_id": "l", "text": "a b c d e f g h", "published_at": datetime(2026, 1, 1)},
    ]
    d.assign_clusters(con, rows)
    stored = dict(con.execute("select mention_id, minhash from mention_signatures").fetchall())
    batch = d._sign(rows, d.DedupeSettings())
    assert stored["s"] is None
    assert stored["l"] == (batch.minhash[0] & 0xFF).astype(np.uint8).tobytes()
