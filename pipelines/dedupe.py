"""Near-duplicate clusters: reposts, retweets, cross-posts and syndicated copies count once.

Three layers, all on the same cluster ids:

1. **Exact ids.** The same (source, source_id) is never stored twice (``load_rows`` drops it).
2. **Same normalized text.** Title and text are reduced to their words: HTML tags and
   entities undone, accents stripped and case folded (so "Élevé" and "eleve" agree: feeds and
   crossposts lose accents more often than writers change them), URLs removed, leading
   ``RT @x:`` / ``MT @x:`` prefixes, ``via @x`` / ``h/t @x`` / ``(via Outlet)`` credits,
   leading reply handles and a trailing block of hashtags and handles removed, ``#`` and ``@``
   dropped inside the text (the word stays), punctuation and emoji dropped, whitespace
   collapsed. Two mentions with the same words in the same order are the same text.
3. **Near-duplicates.** MinHash (``num_perm`` values, numpy-vectorized) over word shingles
   (``shingle`` words, with start and end markers so that a changed first or last word
   counts) estimates their Jaccard similarity; LSH bands find the candidates, and a pair
   joins when the estimate reaches ``threshold``. The estimate's standard error is about
   0.03 at 128 values, so pairs within a few hundredths of the threshold may go either way
   (deterministically: the hash functions are fixed).

Decisions:

* **Short texts** (fewer than ``min_tokens`` words after normalization: "lol", "+1", "love
  it!") never cluster by similarity, and two different authors posting the same short words
  are two mentions: independent people saying "love it" is what a brand wants counted, and a
  bot swarm posting one short line is the spam flag's job, not dedupe's. The same author
  posting the same short text twice (a double post, a crosspost of a short line) is one
  cluster. A short retweet of someone else's short post therefore counts as its own mention.
* **Scope.** Clusters never span brands (a copy matched to another brand still counts for
  that brand) nor more than ``window_days`` (default 14) between a copy and the member it
  matches: a story reposted a month later is a new mention, while a long-running chain of
  copies still forms one cluster, each copy matching a recent one. The window also bounds the
  work: a batch reads only the signatures published within it. ``window_days=None`` removes
  the bound.
* **The original** of a cluster is its earliest published member (ties: the smallest
  mention_id), stored or new. Every member, the original included, gets the original's
  mention_id as ``dup_cluster_id``; every member but the original gets ``is_duplicate``.
* **Backfills and bridges.** A new row earlier than the stored original of its cluster
  becomes the original: the stored members are relabeled (``dup_cluster_id``, and the former
  original's ``is_duplicate``), in ``mentions`` and in the signature table. A new row that
  matches two stored clusters merges them the same way, under the earlier original. The days
  of the relabeled stored mentions are returned so the caller refreshes their marts.
* **Settings changes.** The exact-text keys do not depend on the settings; the LSH keys and
  MinHash bytes carry a ``scheme`` (normalization version, num_perm, shingle, bands), so
  stored mentions signed under other settings still match on the same text but no longer on
  similarity. ``sign_stored`` signs mentions that have no signature (loaded before this
  module existed, or after the signature tables were emptied to re-sign everything).

Storage (``sql/schema/012_mention_signatures.sql``): per mention one ``mention_signatures``
row (cluster, published time, one byte of each MinHash value for verification) and its keys in
``mention_signature_keys`` (the exact-text key and one key per LSH band). A batch finds its
stored candidates with one join on those keys; DuckDB turns the batch's keys into a Bloom
filter on the key scan and the batch's time window into row-group pruning (rows are appended
in batch order), so the cost follows the batch and its window, not the history. DuckDB does
not use ART indexes for joins, so the key table has none (it would only cost memory and
insert time); ``mention_signatures`` keeps its primary key.
"""

from __future__ import annotations

import hashlib
import html
import re
import string
import time
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipelines import db
from pipelines.errors import ConfigError

NORMALIZATION = "n1"  # bump when the normalization changes: exact keys change with it
_PER_KEY = 4  # stored members returned per (key, cluster): enough to verify against
_BUCKET_ALL_PAIRS = 16  # in-batch LSH buckets up to this size compare all pairs
_CHUNK_SHINGLES = 1 << 13  # shingles per MinHash chunk (x num_perm x 8 bytes: 8 MiB)
_FAR_PAST = datetime(1900, 1, 1)
_FAR_FUTURE = datetime(9999, 1, 1)


@dataclass(frozen=True)
class DedupeSettings:
    """How alike two texts must be to count as one story.

    threshold: Jaccard similarity of the word-shingle sets at which two texts are one story.
    num_perm: MinHash values per text (more: a finer estimate, more work).
    shingle: words per shingle (1 compares bags of words, 2 keeps some word order).
    min_tokens: texts with fewer words never cluster by similarity (see the module notes).
    window_days: how far apart in time a copy and the member it matches may be (None: any).
    """

    threshold: float = 0.8
    num_perm: int = 128
    shingle: int = 2
    min_tokens: int = 5
    window_days: float | None = 14

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ConfigError(f"dedupe threshold must be between 0 and 1, got {self.threshold}")
        if not 16 <= self.num_perm <= 1024:
            raise ConfigError(f"dedupe num_perm must be in 16..1024, got {self.num_perm}")
        if not 1 <= self.shingle <= 5:
            raise ConfigError(f"dedupe shingle must be 1..5 words, got {self.shingle}")
        if self.min_tokens < 1:
            raise ConfigError(f"dedupe min_tokens must be at least 1, got {self.min_tokens}")
        if self.window_days is not None and self.window_days <= 0:
            raise ConfigError(f"dedupe window_days must be positive, got {self.window_days}")

    @cached_property
    def bands(self) -> tuple[int, int]:
        """(bands, rows per band) of the LSH index for this threshold and num_perm."""
        return _lsh_layout(self.threshold, self.num_perm)

    @cached_property
    def scheme(self) -> str:
        b, r = self.bands
        return f"{NORMALIZATION}/p{self.num_perm}/s{self.shingle}/b{b}r{r}"

    @property
    def window(self) -> timedelta | None:
        return None if self.window_days is None else timedelta(days=self.window_days)


@dataclass
class DedupeStats:
    """What one call did. ``changed_days`` are the days of stored mentions whose
    ``dup_cluster_id`` or ``is_duplicate`` changed: refresh the marts of those days too."""

    rows: int = 0  # rows given
    duplicates: int = 0  # of them, flagged is_duplicate
    exact: int = 0  # joined a cluster through the same normalized text
    near: int = 0  # joined a cluster only through similarity
    joined_stored: int = 0  # joined a cluster that was already stored
    short: int = 0  # too short to cluster by similarity
    relabeled: int = 0  # stored mentions that got a new original
    changed_days: list[date] = field(default_factory=list)
    seconds: float = 0.0


# --- normalization ---------------------------------------------------------------------------

_URL_START = re.compile(r"[a-z][a-z0-9+.\-]*://|www\.|(?:[\w\-]+\.)+[a-z]{2,}/")
_PAREN_CREDIT = re.compile(r"[(\[]\s*(?:via|h/t)\b[^)\]]*[)\]]")  # "(via Le Monde)", "[h/t @x]"
_CREDITS = frozenset({"via", "h/t", "ht", "via:", "h/t:", "ht:"})
_OPENERS = "\"'([{<«“‘"
_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_WORD = re.compile(r"\w+")
_PUNCTUATION = str.maketrans(dict.fromkeys(string.punctuation.replace("_", ""), " "))
_TAG = re.compile(r"</?[a-zA-Z][^<>]{0,200}>")  # HTML left in a feed's text: <b>, <br/>, <a ...>


def _is_url(part: str) -> bool:
    part = part.lstrip(_OPENERS)
    return ("/" in part or part.startswith("www.")) and _URL_START.match(part) is not None


def _is_handle(part: str) -> bool:
    return len(part) > 1 and part.lstrip(".").startswith("@")


def words(text: str | None) -> list[str]:
    """The words two copies of one text share; see the module notes for what is dropped."""
    if not text:
        return []
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    text = text.casefold()
    if "(via" in text or "[via" in text or "h/t" in text:
        text = _PAREN_CREDIT.sub(" ", text)
    parts = text.split()
    if "/" in text or "www." in text:
        parts = [p for p in parts if not (("/" in p or "www." in p) and _is_url(p))]
    start = 0  # "RT @a: RT @b: ..." prefixes, then the handles a reply starts with
    if parts and (parts[0][0] in "@." or parts[0].rstrip(":") in ("rt", "mt")):
        while (
            start + 1 < len(parts)
            and parts[start].rstrip(":") in ("rt", "mt")
            and _is_handle(parts[start + 1])
        ):
            start += 2
        while start < len(parts) and _is_handle(parts[start]):
            start += 1
    if ("via" in text or "h/t" in text or "ht" in text) and _CREDITS.intersection(parts):
        kept, skip = parts[:start], False  # "via @x", "h/t @x" credits anywhere
        for here, after in zip(parts[start:], [*parts[start + 1 :], ""], strict=True):
            if skip:
                skip = False
            elif here in _CREDITS and _is_handle(after):
                skip = True
            else:
                kept.append(here)
        parts = kept
    end = len(parts)  # the block of hashtags and handles a post ends with
    while end > start and parts[end - 1].lstrip(_OPENERS)[:1] in ("#", "@"):
        end -= 1
    found = _split_words(parts[start:end])
    if not found and end < len(parts):  # a text made only of tags keeps them
        found = _split_words(parts[start:])
    return found


def _split_words(parts: list[str]) -> list[str]:
    r"""Runs of word characters. ASCII text: everything but whitespace and punctuation (a
    control character stays inside its word). Other text: the runs of ``\w``, found in one
    pass (ASCII punctuation is not ``\w``, so it needs no translating first)."""
    text = " ".join(parts)
    if text.isascii():
        return text.translate(_PUNCTUATION).split()
    return _WORD.findall(text)


def mention_words(title: str | None, text: str | None) -> list[str]:
    """Title and text as one sequence, the way scoring reads them (a title repeated at the
    start of the text counts once)."""
    body = words(text)
    if not title or (text and title in text):
        return body
    return words(title) + body


def normalize_text(text: str | None) -> str:
    """The normalized form compared by the exact layer: the words joined by single spaces."""
    return " ".join(words(text))


# --- hashing ---------------------------------------------------------------------------------


def _h64(*parts: str) -> int:
    digest = hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


@cache
def _scope(brand: str) -> int:
    return _h64("scope", brand)


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


_TOKEN_CACHE: dict[str, int] = {}
_TOKEN_CACHE_MAX = 200_000  # words; about 40 MB when full


def _token_hash(token: str) -> int:
    value = _TOKEN_CACHE.get(token)
    if value is None:
        if len(_TOKEN_CACHE) >= _TOKEN_CACHE_MAX:
            _TOKEN_CACHE.clear()
        value = _TOKEN_CACHE[token] = _h64("t", token)
    return value


_BOUNDARY = (_h64("t", "\x02start"), _h64("t", "\x03end"))
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finalizer, elementwise on uint64 (wrapping arithmetic)."""
    x = x ^ (x >> np.uint64(30))
    x = x * _M2
    x = x ^ (x >> np.uint64(27))
    x = x * _M3
    return x ^ (x >> np.uint64(31))


@cache
def _lsh_layout(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) minimising the weighted areas of missed pairs above the
    threshold and of candidates below it, as datasketch's MinHashLSH does; a missed pair
    weighs 9 times a candidate here, because every candidate is verified afterwards."""
    grid = np.linspace(0.0, 1.0, 201)
    below = grid <= threshold
    best, best_error = (1, num_perm), float("inf")
    for b in range(1, num_perm + 1):
        r = np.arange(1, num_perm // b + 1)
        p = 1.0 - (1.0 - grid[None, :] ** r[:, None]) ** b
        false_pos = np.trapezoid(np.where(below, p, 0.0), grid, axis=1)
        false_neg = np.trapezoid(np.where(below, 0.0, 1.0 - p), grid, axis=1)
        error = 0.1 * false_pos + 0.9 * false_neg
        k = int(np.argmin(error))
        if error[k] < best_error:
            best, best_error = (b, int(r[k])), float(error[k])
    return best


class _Hasher:
    """MinHash permutations and band seeds for one settings scheme, derived from hashes of
    names (not from a random generator) so they never change across versions or machines."""

    _cache: dict[str, _Hasher] = {}  # noqa: RUF012

    def __init__(self, settings: DedupeSettings) -> None:
        self.settings = settings
        p = settings.num_perm
        self.a = np.array([_h64(settings.scheme, "a", str(i)) | 1 for i in range(p)], np.uint64)
        self.b = np.array([_h64(settings.scheme, "b", str(i)) for i in range(p)], np.uint64)
        bands, _ = settings.bands
        self.band_seeds = np.array(
            [_h64(settings.scheme, "band", str(i)) for i in range(bands)], np.uint64
        )

    @classmethod
    def get(cls, settings: DedupeSettings) -> _Hasher:
        hasher = cls._cache.get(settings.scheme)
        if hasher is None:
            hasher = cls._cache[settings.scheme] = cls(settings)
        return hasher

    def minhash(self, shingles: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        """Per text, the minimum of each of num_perm hash functions over its 32-bit shingle
        hashes: h_i(x) = high 32 bits of (a_i * x + b_i) mod 2**64 (multiply-add-shift).
        Computed (num_perm x shingles) in chunks that stay in cache."""
        n = len(offsets) - 1
        out = np.empty((self.settings.num_perm, n), dtype=np.uint64)
        a, b = self.a[:, None], self.b[:, None]
        start = 0
        while start < n:
            limit = offsets[start] + _CHUNK_SHINGLES
            stop = min(n, max(start + 1, int(np.searchsorted(offsets, limit, side="right")) - 1))
            lo, hi = offsets[start], offsets[stop]
            values = np.multiply(a, shingles[None, lo:hi])
            np.add(values, b, out=values)
            out[:, start:stop] = np.minimum.reduceat(values, offsets[start:stop] - lo, axis=1)
            start = stop
        return (out >> np.uint64(32)).astype(np.uint32).T.copy()

    def band_keys(self, minhashes: np.ndarray, scopes: np.ndarray) -> np.ndarray:
        """One signed 64-bit key per (text, band): the band's values, the band number, the
        scheme and the text's scope (brand) hashed together."""
        bands, rows = self.settings.bands
        values = minhashes[:, : bands * rows].astype(np.uint64).reshape(-1, bands, rows)
        h = scopes[:, None] ^ self.band_seeds[None, :]  # all bands at once: (texts, bands)
        for col in range(rows):
            h = _mix(h ^ values[:, :, col])
        return h.view(np.int64)


# --- signatures ------------------------------------------------------------------------------


@dataclass
class _Batch:
    """The new rows' signatures, as arrays aligned with the rows."""

    ids: list[str]
    times: list[datetime]  # naive UTC
    tokens: np.ndarray  # words per row
    exact_rows: np.ndarray  # rows that have an exact key, ascending
    exact_keys: np.ndarray  # their signed 64-bit exact keys
    lsh: np.ndarray  # indices of the rows clustered by similarity
    minhash: np.ndarray  # (len(lsh), num_perm) uint32
    bands: np.ndarray  # (len(lsh), bands) int64

    @cached_property
    def low_bytes(self) -> np.ndarray:
        return (self.minhash & 0xFF).astype(np.uint8)

    @cached_property
    def when(self) -> np.ndarray:
        return pa.array(self.times, pa.timestamp("us")).to_numpy()

    @cached_property
    def id_array(self) -> pa.Array:
        return pa.array(self.ids, pa.string())

    @cached_property
    def rank(self) -> np.ndarray:
        """Each row's place in (published_at, mention_id) order: the order that picks
        originals (Arrow compares strings by UTF-8 bytes, which is Python's order)."""
        order = pc.sort_indices(
            pa.table({"when": pa.array(self.when), "id": self.id_array}),
            sort_keys=[("when", "ascending"), ("id", "ascending")],
        ).to_numpy()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank


def _sign(rows: Sequence[dict], settings: DedupeSettings) -> _Batch:
    """Exact keys per row, MinHash once per distinct word sequence (copies in a batch are
    common), band keys per row (they carry the brand)."""
    hasher = _Hasher.get(settings)
    k, min_tokens = settings.shingle, settings.min_tokens
    ids: list[str] = []
    times: list[datetime] = []
    counts: list[int] = []
    exact_rows: list[int] = []
    exact_keys: list[int] = []
    lsh: list[int] = []
    scopes: list[int] = []
    distinct: dict[str, int] = {}  # word sequence (joined: words hold no spaces) -> its number
    text_of: list[int] = []  # per LSH row, the number of its word sequence
    lengths: list[int] = []  # per distinct sequence, its words
    flat: list[str] = []  # the distinct sequences' words, one after the other
    blake2b = hashlib.blake2b
    text_prefix = f"{NORMALIZATION}\x1ftext\x1f"  # _h64(NORMALIZATION, "text", brand, text)
    for i, row in enumerate(rows):
        ids.append(row["mention_id"])
        moment = row["published_at"]
        times.append(_naive(moment) if moment.tzinfo else moment)
        found = row.get("_words")  # computed by the worker that prepared the row, if any
        if found is None:
            found = mention_words(row.get("title"), row.get("text"))
        count = len(found)
        counts.append(count)
        if not count:
            continue
        brand = row.get("brand") or ""
        text = " ".join(found)
        if count < min_tokens:
            author = row.get("author_id")
            if author:
                exact_rows.append(i)
                exact_keys.append(_h64(NORMALIZATION, "short", brand, author, text))
            continue
        exact_rows.append(i)
        digest = blake2b(f"{text_prefix}{brand}\x1f{text}".encode(), digest_size=8).digest()
        exact_keys.append(int.from_bytes(digest, "little"))
        number = distinct.get(text)
        if number is None:
            number = distinct[text] = len(lengths)
            lengths.append(count)
            flat += found
        text_of.append(number)
        lsh.append(i)
        scopes.append(_scope(brand))
    p = settings.num_perm
    bands, _ = settings.bands
    batch = _Batch(
        ids,
        times,
        np.array(counts, dtype=np.int64),
        np.array(exact_rows, dtype=np.int64),
        np.array(exact_keys, dtype=np.uint64).view(np.int64),
        np.array(lsh, dtype=np.int64),
        np.zeros((0, p), np.uint32),
        np.zeros((0, bands), np.int64),
    )
    if lsh:
        minhash = hasher.minhash(*_shingles(flat, lengths, k))[text_of]
        batch.minhash = minhash
        batch.bands = hasher.band_keys(minhash, np.array(scopes, dtype=np.uint64))
    return batch


def _shingles(flat: list[str], lengths: list[int], k: int) -> tuple[np.ndarray, np.ndarray]:
    """The 32-bit shingle hashes of word sequences given one after the other, and each
    sequence's offsets into them."""
    hashes = list(map(_TOKEN_CACHE.get, flat))
    if None in hashes:
        hashes = [_token_hash(t) if h is None else h for h, t in zip(hashes, flat, strict=True)]
    th = np.array(hashes, dtype=np.uint64)
    lens = np.array(lengths, dtype=np.int64)
    off = np.concatenate([[0], np.cumsum(lens)])
    if k > 1:  # start and end markers: a changed first or last word counts
        start_mark, end_mark = _BOUNDARY
        padded = np.concatenate([[0], np.cumsum(np.maximum(lens + 2, k))])
        marked = np.full(padded[-1], end_mark, dtype=np.uint64)
        marked[padded[:-1]] = start_mark
        marked[np.arange(len(th)) + np.repeat(padded[:-1] + 1 - off[:-1], lens)] = th
        th, off = marked, padded
        # Shingle j of a text combines its token hashes j..j+k-1, order-sensitively; a text's
        # sequence carries start and end markers, so it has len(words) + 3 - k shingles.
        per_text = np.diff(off) - (k - 1)
        shingle_off = np.concatenate([[0], np.cumsum(per_text)])
        pos = np.arange(shingle_off[-1]) + np.repeat(off[:-1] - shingle_off[:-1], per_text)
        h = th[pos]
        for j in range(1, k):
            h = _mix(h * _M1 + th[pos + j])
        off = shingle_off
    else:
        h = _mix(th)
    return h >> np.uint64(32), off  # 32-bit inputs keep multiply-add-shift universal


def signatures_per_second(
    texts: Sequence[str], settings: DedupeSettings = DedupeSettings()
) -> tuple[float, float]:
    """Texts signed per second (normalization, MinHash, band keys; no database), by the wall
    clock and by this process's CPU time (the fairer figure on a busy machine)."""
    rows = [
        {"mention_id": str(i), "text": t, "published_at": _FAR_PAST, "author_id": "a"}
        for i, t in enumerate(texts)
    ]
    wall, cpu = time.perf_counter(), time.process_time()
    _sign(rows, settings)
    return len(texts) / (time.perf_counter() - wall), len(texts) / (time.process_time() - cpu)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


# --- clustering ------------------------------------------------------------------------------


class _Forest:
    """Union-find over node numbers."""

    def __init__(self, size: int = 0) -> None:
        self.parent: list[int] = list(range(size))

    def add(self) -> int:
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        parent = self.parent
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    def union(self, x: int, y: int) -> bool:
        rx, ry = self.find(x), self.find(y)
        if rx == ry:
            return False
        self.parent[max(rx, ry)] = min(rx, ry)
        return True

    def roots(self) -> np.ndarray:
        """Every node's root (its component's smallest node, as ``find`` gives it), by
        pointer jumping over the whole forest at once."""
        parent = np.array(self.parent, dtype=np.int64)
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                return parent
            parent = grand


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique, minus its slow hashing path for large int arrays)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.concatenate([[True], values[1:] != values[:-1]])]


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distinct (a, b) rows of two non-negative int arrays, as an (n, 2) array."""
    a, b = a.astype(np.int64), b.astype(np.int64)
    if not len(a):
        return np.zeros((0, 2), dtype=np.int64)
    span = int(b.max()) + 1
    codes = _distinct(a * span + b)
    return np.stack([codes // span, codes % span], axis=1)


def _similar(a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """Pairs (rows of a and b: one byte of each MinHash value) whose estimated Jaccard
    similarity reaches the threshold. Equal low bytes happen for unequal values 1 time in 256;
    the estimate corrects for it."""
    equal = (a == b).mean(axis=1)
    return (equal - 1 / 256) / (1 - 1 / 256) >= threshold - 1e-9


def _bucket_pairs(keys: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate pairs among rows sharing a key in any band (column of ``keys``): all pairs
    in small buckets, and every member against the first members of a big one (a viral copy
    is caught by its first members). Built with array arithmetic, all buckets at once: the
    member at place r of its bucket pairs with places 0..min(r, _BUCKET_ALL_PAIRS) - 1."""
    firsts, seconds = [], []
    count = len(rows)
    places = np.arange(count)
    for band in range(keys.shape[1]):
        order = np.argsort(keys[:, band], kind="stable")
        ordered = keys[order, band]
        opens = np.ones(count, dtype=bool)
        opens[1:] = ordered[1:] != ordered[:-1]
        start = places[opens][np.cumsum(opens) - 1]  # where each member's bucket starts
        partners = np.minimum(places - start, _BUCKET_ALL_PAIRS)
        total = int(partners.sum())
        if not total:
            continue
        member = np.repeat(places, partners)
        step = np.arange(total) - np.repeat(np.cumsum(partners) - partners, partners)
        firsts.append(rows[order[start[member] + step]])
        seconds.append(rows[order[member]])
    if not firsts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(firsts), np.concatenate(seconds)


class _Clusters:
    """The batch's rows and the stored clusters they touch, as one union-find forest."""

    def __init__(self, batch: _Batch, settings: DedupeSettings) -> None:
        self.batch = batch
        self.settings = settings
        self.forest = _Forest(len(batch.ids))
        self.stored_node: dict[str, int] = {}  # stored cluster id -> node
        self.stored_time: dict[str, datetime] = {}  # stored cluster id -> original's time
        self.link: dict[int, str] = {}  # new row -> "exact" | "near", how it joined
        self.signed: set[int] = set()  # new rows that already have a signature (reruns)

    def stored(self, cluster_id: str, original_at: datetime) -> int:
        node = self.stored_node.get(cluster_id)
        if node is None:
            node = self.stored_node[cluster_id] = self.forest.add()
            self.stored_time[cluster_id] = original_at
        return node

    def close(self, rows: np.ndarray, others: np.ndarray) -> np.ndarray:
        """Which rows are within the window of the row beside them in ``others``."""
        if self.settings.window is None:
            return np.ones(len(rows), dtype=bool)
        when = self.batch.when
        return np.abs(when[rows] - when[others]) <= np.timedelta64(self.settings.window, "us")

    def join(self, i: int, node: int, how: str) -> None:
        if self.forest.union(i, node):
            self.link.setdefault(i, how)

    def originals(self) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str, datetime]]]:
        """Each new row's original id (object array) and time (datetime64), and the stored
        clusters whose original changes: (old cluster id, new original id, its time). The
        original is the earliest (published_at, mention_id) of the row's component."""
        batch = self.batch
        roots = self.forest.roots()
        row_roots = roots[: len(batch.ids)]
        by_rank = np.argsort(batch.rank)
        found, first = np.unique(row_roots[by_rank], return_index=True)
        best_row = np.full(len(roots), -1, dtype=np.int64)
        best_row[found] = by_rank[first]  # the earliest new row of each component
        original = np.array(batch.ids, dtype=object)[best_row[row_roots]]
        original_at = batch.when[best_row[row_roots]]
        if not self.stored_node:
            return original, original_at, []
        best: dict[int, tuple[datetime, str]] = {}  # components holding a stored cluster
        for cluster_id, node in self.stored_node.items():
            root = int(roots[node])
            current = best.get(root)
            if current is None and best_row[root] >= 0:
                row = int(best_row[root])
                current = (batch.times[row], batch.ids[row])
            candidate = (self.stored_time[cluster_id], cluster_id)
            best[root] = candidate if current is None or candidate < current else current
        with_stored = np.array(sorted(best), dtype=np.int64)
        place = np.minimum(np.searchsorted(with_stored, row_roots), len(with_stored) - 1)
        hit = np.flatnonzero(with_stored[place] == row_roots)
        chosen = [best[root] for root in with_stored.tolist()]
        chosen_ids = np.array([c[1] for c in chosen], dtype=object)
        chosen_at = pa.array([c[0] for c in chosen], pa.timestamp("us")).to_numpy()
        original[hit] = chosen_ids[place[hit]]
        original_at[hit] = chosen_at[place[hit]]
        relabel = []
        for cluster_id, node in self.stored_node.items():
            original_at_, original_ = best[int(roots[node])]
            if original_ != cluster_id:
                relabel.append((cluster_id, original_, original_at_))
        return original, original_at, relabel

    def stored_roots(self) -> np.ndarray:
        """The components that hold a stored cluster."""
        roots = self.forest.roots()
        return np.unique(roots[np.array(list(self.stored_node.values()), dtype=np.int64)])


def assign_clusters(
    con, rows: list[dict], settings: DedupeSettings = DedupeSettings()
) -> DedupeStats:
    """Set ``dup_cluster_id`` and ``is_duplicate`` on each new row, against each other and
    against the stored mentions; relabel stored clusters that get an earlier original; store
    the new rows' signatures.

    Call it inside the caller's transaction, on exactly the rows inserted into ``mentions``
    right after (after the quality gate and scoring, which resets ``is_duplicate``), and
    refresh the marts of ``stats.changed_days`` as well as those of the new rows' days.
    Rows need ``mention_id``, ``published_at`` (naive UTC, or aware) and ``text``; ``title``,
    ``author_id`` and ``brand`` are used when present.
    """
    started = time.perf_counter()
    stats = DedupeStats(rows=len(rows))
    if not rows:
        return stats
    first: dict[str, int] = {}
    unique: list[dict] = []
    for row in rows:
        if row["mention_id"] not in first:
            first[row["mention_id"]] = len(unique)
            unique.append(row)
    batch = _sign(unique, settings)
    clusters = _Clusters(batch, settings)
    window = settings.window
    earliest = batch.times[int(np.argmin(batch.when))]
    latest = batch.times[int(np.argmax(batch.when))]
    bounds = {
        "lo": earliest - window if window else _FAR_PAST,
        "hi": latest + window + timedelta(microseconds=1) if window else _FAR_FUTURE,
    }

    # Rows already signed (a rerun) keep their stored cluster and are not signed again.
    span = {"first": earliest, "last": latest}
    for mention_id, cluster_id, original_at in _query(
        con, "dedupe/signed", {"dedupe_ids": pa.table({"mention_id": batch.id_array})}, **span
    ):
        i = first[mention_id]
        clusters.signed.add(i)
        clusters.forest.union(i, clusters.stored(cluster_id, original_at))

    representative = _same_text_in_batch(clusters)  # one row per text goes through LSH
    reps = np.flatnonzero(representative[batch.lsh])  # positions in batch.lsh
    _similar_in_batch(clusters, reps)
    _against_stored(con, clusters, reps, bounds)

    original, original_at, relabel = clusters.originals()
    fresh = np.ones(len(unique), dtype=bool)
    fresh[list(clusters.signed)] = False
    if clusters.stored_node:
        roots = clusters.forest.roots()[: len(unique)]
        joined = fresh & np.isin(roots, clusters.stored_roots())
        stats.joined_stored = int(np.count_nonzero(joined))
    for i, how in clusters.link.items():
        if fresh[i]:
            stats.exact += how == "exact"
            stats.near += how == "near"
    duplicates = 0
    for row, mention_id, cluster_id in zip(unique, batch.ids, original.tolist(), strict=True):
        row["dup_cluster_id"] = cluster_id
        row["is_duplicate"] = is_duplicate = cluster_id != mention_id
        duplicates += is_duplicate
    stats.duplicates = duplicates
    if len(unique) < len(rows):  # a repeated id gets its first occurrence's answer
        for row in rows:
            source = unique[first[row["mention_id"]]]
            row["dup_cluster_id"] = source["dup_cluster_id"]
            row["is_duplicate"] = source["is_duplicate"]
    stats.short = int(np.count_nonzero((batch.tokens > 0) & (batch.tokens < settings.min_tokens)))

    if relabel:
        stats.relabeled, stats.changed_days = _relabel(con, relabel)
    _store(con, batch, fresh, original, original_at, settings)
    stats.seconds = time.perf_counter() - started
    return stats


def _same_text_in_batch(clusters: _Clusters) -> np.ndarray:
    """Join rows with the same exact key, chained in time order (copies within the window);
    return which rows represent their text in the similarity layer (the earliest of each)."""
    batch = clusters.batch
    rows, keys = batch.exact_rows, batch.exact_keys
    order = np.lexsort((batch.rank[rows], keys))
    rows, keys = rows[order], keys[order]
    same = keys[1:] == keys[:-1]
    earlier, later = rows[:-1][same], rows[1:][same]
    representative = np.ones(len(batch.ids), dtype=bool)
    representative[later] = False
    close = clusters.close(later, earlier)
    for i, j in zip(later[close].tolist(), earlier[close].tolist(), strict=True):
        clusters.join(i, j, "exact")
    return representative


def _similar_in_batch(clusters: _Clusters, reps: np.ndarray) -> None:
    """Rows sharing an LSH band whose MinHash estimate reaches the threshold."""
    batch = clusters.batch
    pi, pj = _bucket_pairs(batch.bands[reps], reps)
    if not len(pi):
        return
    pair = _distinct_pairs(np.minimum(pi, pj), np.maximum(pi, pj))
    low = batch.low_bytes
    ok = _similar(low[pair[:, 0]], low[pair[:, 1]], clusters.settings.threshold)
    a, b = batch.lsh[pair[ok, 0]], batch.lsh[pair[ok, 1]]
    a_first = batch.rank[a] < batch.rank[b]
    earlier, later = np.where(a_first, a, b), np.where(a_first, b, a)
    close = clusters.close(later, earlier)
    for j, i in zip(later[close].tolist(), earlier[close].tolist(), strict=True):
        clusters.join(j, i, "near")


def _key_matches(
    sorted_keys: np.ndarray, sorted_rows: np.ndarray, keys: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every (row, i) with sorted_keys[row's place] == keys[i]: the batch rows sharing each
    stored candidate's key."""
    start = np.searchsorted(sorted_keys, keys, side="left")
    counts = np.searchsorted(sorted_keys, keys, side="right") - start
    which = np.repeat(np.arange(len(keys)), counts)
    first = np.cumsum(counts) - counts
    places = np.repeat(start - first, counts) + np.arange(int(counts.sum()))
    return sorted_rows[places], which


def _against_stored(con, clusters: _Clusters, reps: np.ndarray, bounds: dict) -> None:
    """Stored mentions sharing a key with the batch: the same text joins at once, a shared
    band joins when the MinHash estimate reaches the threshold."""
    batch, settings = clusters.batch, clusters.settings
    order = np.argsort(batch.exact_keys, kind="stable")
    text_keys, text_rows = batch.exact_keys[order], batch.exact_rows[order]
    band_keys = batch.bands[reps].ravel()
    band_pos = np.repeat(reps, batch.bands.shape[1])
    order = np.argsort(band_keys)  # any order: the matches are made distinct below
    band_keys, band_pos = band_keys[order], band_pos[order]
    probe = _distinct(np.concatenate([text_keys, band_keys]))
    if not len(probe):
        return
    found = _fetch(
        con,
        "dedupe/candidates",
        {"dedupe_probe": pa.table({"key": pa.array(probe, pa.int64())})},
        per_key=_PER_KEY,
        **bounds,
    )
    keys = found["key"]
    if not len(keys):
        return
    published = np.ma.getdata(found["published_at"])
    cluster_ids = np.ma.getdata(found["cluster_id"])
    originals_at = np.ma.getdata(found["cluster_published_at"])
    # One node per stored cluster, numbered in the order the clusters first appear.
    encoded = pa.array(cluster_ids, pa.string()).dictionary_encode()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    _, first = np.unique(codes, return_index=True)
    node_of = np.array(
        [
            clusters.stored(cluster_id, originals_at[n].item())
            for cluster_id, n in zip(encoded.dictionary.to_pylist(), first.tolist(), strict=True)
        ],
        dtype=np.int64,
    )
    nodes = node_of[codes]
    window = None if settings.window is None else np.timedelta64(settings.window, "us")

    def close(rows: np.ndarray, which: np.ndarray) -> np.ndarray:
        if window is None:
            return np.ones(len(rows), dtype=bool)
        return np.abs(batch.when[rows] - published[which]) <= window

    rows, which = _key_matches(text_keys, text_rows, keys)
    keep = close(rows, which)
    for i, node in _distinct_pairs(rows[keep], nodes[which[keep]]):
        clusters.join(int(i), int(node), "exact")

    minhash = np.ma.getdata(found["minhash"])
    usable = ~np.ma.getmaskarray(found["minhash"]) & (
        np.ma.getdata(found["scheme"]) == settings.scheme
    )
    if not usable.any():
        return
    pos, which = _key_matches(band_keys, band_pos, keys)
    keep = usable[which]
    pos, which = pos[keep], which[keep]
    keep = close(batch.lsh[pos], which)
    pos, which = pos[keep], which[keep]
    if not len(pos):
        return
    pairs = _distinct_pairs(pos, which)
    pos, which = pairs[:, 0], pairs[:, 1]
    stored_rows = _distinct(which)
    stored_bytes = np.frombuffer(b"".join(minhash[stored_rows]), dtype=np.uint8).reshape(
        len(stored_rows), -1
    )
    ok = _similar(
        batch.low_bytes[pos],
        stored_bytes[np.searchsorted(stored_rows, which)],
        settings.threshold,
    )
    joined = _distinct_pairs(batch.lsh[pos[ok]], nodes[which[ok]])
    for i, node in joined:
        clusters.join(int(i), int(node), "near")


def _fetch(con, name: str, tables: dict[str, pa.Table], **params) -> dict[str, np.ndarray]:
    """A query's columns as numpy arrays (masked where they hold nulls)."""
    with db.registered(con, tables):
        return con.execute(db.sql(name), params or None).fetchnumpy()


def _query(con, name: str, tables: dict[str, pa.Table], **params) -> list[tuple]:
    with db.registered(con, tables):
        return con.execute(db.sql(name), params or None).fetchall()


def _relabel(con, relabel: list[tuple[str, str, datetime]]) -> tuple[int, list[date]]:
    """Give stored clusters their new original, in the signatures and in ``mentions``;
    return how many stored mentions changed and their days."""
    table = pa.table(
        {
            "old_cluster_id": pa.array([r[0] for r in relabel], pa.string()),
            "new_cluster_id": pa.array([r[1] for r in relabel], pa.string()),
            "new_published_at": pa.array([r[2] for r in relabel], pa.timestamp("us")),
        }
    )
    members = _query(con, "dedupe/cluster_members", {"dedupe_relabel": table})
    _query(con, "dedupe/relabel_signatures", {"dedupe_relabel": table})
    changed = pa.table(
        {
            "mention_id": pa.array([m[0] for m in members], pa.string()),
            "cluster_id": pa.array([m[2] for m in members], pa.string()),
        }
    )
    _query(con, "dedupe/relabel_mentions", {"dedupe_members": changed})
    return len(members), sorted({m[1].date() for m in members})


_SIGNATURE_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()),
        ("published_at", pa.timestamp("us")),
        ("cluster_id", pa.string()),
        ("cluster_published_at", pa.timestamp("us")),
        ("scheme", pa.string()),
        ("tokens", pa.int32()),
        ("minhash", pa.binary()),
    ]
)


def _store(
    con,
    batch: _Batch,
    fresh: np.ndarray,
    original: np.ndarray,
    original_at: np.ndarray,
    settings: DedupeSettings,
) -> None:
    """Append the signatures and keys of the rows not signed before (``fresh``: a mask),
    built as Arrow columns straight from the arrays."""
    rows = np.flatnonzero(fresh)
    if not len(rows):
        return
    lsh_pos = np.full(len(batch.ids), -1, dtype=np.int64)
    lsh_pos[batch.lsh] = np.arange(len(batch.lsh))
    pos = lsh_pos[rows]
    signed = pos >= 0
    width = batch.low_bytes.shape[1]
    offsets = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(signed * width, out=offsets[1:])
    minhash = pa.Array.from_buffers(
        pa.binary(),
        len(rows),
        [
            pa.py_buffer(np.packbits(signed, bitorder="little")),
            pa.py_buffer(offsets),
            pa.py_buffer(np.ascontiguousarray(batch.low_bytes[pos[signed]])),
        ],
        null_count=len(rows) - int(np.count_nonzero(signed)),
    )
    ids = batch.id_array if len(rows) == len(batch.ids) else batch.id_array.take(rows)
    signatures = pa.Table.from_arrays(
        [
            ids,
            pa.array(batch.when[rows], pa.timestamp("us")),
            pa.array(original[rows], pa.string()),
            pa.array(original_at[rows], pa.timestamp("us")),
            pa.array([settings.scheme] * len(rows), pa.string()),
            pa.array(batch.tokens[rows].astype(np.int32), pa.int32()),
            minhash,
        ],
        schema=_SIGNATURE_SCHEMA,
    )
    _query(con, "dedupe/insert_signatures", {"dedupe_signatures": signatures})
    with_text = fresh[batch.exact_rows]
    with_bands = rows[signed]
    key_rows = np.concatenate(
        [batch.exact_rows[with_text], np.repeat(with_bands, batch.bands.shape[1])]
    )
    keys = np.concatenate([batch.exact_keys[with_text], batch.bands[lsh_pos[with_bands]].ravel()])
    if not len(keys):
        return
    key_table = pa.table(
        {
            "key": pa.array(keys, pa.int64()),
            "published_at": pa.array(batch.when[key_rows], pa.timestamp("us")),
            "mention_id": batch.id_array.take(key_rows),
        }
    )
    _query(con, "dedupe/insert_keys", {"dedupe_keys": key_table})


def sign_stored(
    con, settings: DedupeSettings = DedupeSettings(), chunk_size: int = 20_000
) -> DedupeStats:
    """Cluster the stored mentions that have no signature yet (loaded before deduplication
    existed, or after the signature tables were emptied to change settings), oldest first,
    and write their ``dup_cluster_id`` / ``is_duplicate`` into ``mentions``.

    Run it inside a transaction; ``changed_days`` lists the days whose marts need a refresh.
    """
    total = DedupeStats()
    days: set[date] = set()
    started = time.perf_counter()
    while True:
        found = con.execute(db.sql("dedupe/unsigned_mentions"), {"limit": chunk_size})
        columns = [c[0] for c in found.description]
        rows = [dict(zip(columns, values, strict=True)) for values in found.fetchall()]
        if not rows:
            break
        stats = assign_clusters(con, rows, settings)
        own = pa.table(
            {
                "mention_id": pa.array([r["mention_id"] for r in rows], pa.string()),
                "cluster_id": pa.array([r["dup_cluster_id"] for r in rows], pa.string()),
            }
        )
        _query(con, "dedupe/relabel_mentions", {"dedupe_members": own})
        days.update(r["published_at"].date() for r in rows if r["is_duplicate"])
        days.update(stats.changed_days)
        for name in ("rows", "duplicates", "exact", "near", "joined_stored", "short", "relabeled"):
            setattr(total, name, getattr(total, name) + getattr(stats, name))
    total.changed_days = sorted(days)
    total.seconds = time.perf_counter() - started
    return total
