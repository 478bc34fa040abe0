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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache, cached_property
from itertools import pairwise

import numpy as np
import pyarrow as pa

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
    text = " ".join(parts).translate(_PUNCTUATION)
    if text.isascii():
        return text.split()
    found: list[str] = []
    for part in text.split():
        if part.isalnum():
            found.append(part)
        else:
            found.extend(_WORD.findall(part))
    return found


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
        keys = np.empty((len(minhashes), bands), dtype=np.int64)
        values = minhashes.astype(np.uint64)
        for band in range(bands):
            h = scopes ^ self.band_seeds[band]
            for col in range(band * rows, (band + 1) * rows):
                h = _mix(h ^ values[:, col])
            keys[:, band] = h.view(np.int64)
        return keys


# --- signatures ------------------------------------------------------------------------------


@dataclass
class _Batch:
    """The new rows' signatures, as arrays aligned with the rows."""

    ids: list[str]
    times: list[datetime]
    tokens: np.ndarray  # words per row
    exact: list[int | None]  # signed 64-bit exact key, None when the row has none
    lsh: np.ndarray  # indices of the rows clustered by similarity
    minhash: np.ndarray  # (len(lsh), num_perm) uint32
    bands: np.ndarray  # (len(lsh), bands) int64

    @cached_property
    def low_bytes(self) -> np.ndarray:
        return (self.minhash & 0xFF).astype(np.uint8)

    @cached_property
    def when(self) -> np.ndarray:
        return np.array(self.times, dtype="datetime64[us]")


def _sign(rows: Sequence[dict], settings: DedupeSettings) -> _Batch:
    hasher = _Hasher.get(settings)
    k = settings.shingle
    exact: list[int | None] = []
    tokens = np.zeros(len(rows), dtype=np.int64)
    lsh: list[int] = []
    scopes: list[int] = []
    token_hashes: list[int] = []
    offsets = [0]
    cached = _TOKEN_CACHE.get
    start_mark, end_mark = _BOUNDARY
    for i, row in enumerate(rows):
        found = row.get("_words")  # computed by the worker that prepared the row, if any
        if found is None:
            found = mention_words(row.get("title"), row.get("text"))
        tokens[i] = len(found)
        brand = row.get("brand") or ""
        text = " ".join(found)
        if not found:
            exact.append(None)
        elif len(found) < settings.min_tokens:
            author = row.get("author_id")
            exact.append(
                _signed(_h64(NORMALIZATION, "short", brand, author, text)) if author else None
            )
        else:
            exact.append(_signed(_h64(NORMALIZATION, "text", brand, text)))
            hashes = [cached(t) for t in found]
            if None in hashes:
                hashes = [
                    _token_hash(t) if h is None else h for h, t in zip(hashes, found, strict=True)
                ]
            if k > 1:  # start and end markers: a changed first or last word counts
                hashes = [start_mark, *hashes, end_mark, *[end_mark] * (k - len(hashes) - 2)]
            token_hashes.extend(hashes)
            offsets.append(offsets[-1] + len(hashes))
            lsh.append(i)
            scopes.append(_scope(brand))
    p = settings.num_perm
    bands, _ = settings.bands
    if not lsh:
        empty = np.zeros((0, p), np.uint32)
        return _Batch(
            [r["mention_id"] for r in rows], [_naive(r["published_at"]) for r in rows],
            tokens, exact, np.zeros(0, np.int64), empty, np.zeros((0, bands), np.int64),
        )  # fmt: skip
    th = np.array(token_hashes, dtype=np.uint64)
    off = np.array(offsets, dtype=np.int64)
    if k > 1:
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
    shingles = h >> np.uint64(32)  # 32-bit inputs keep multiply-add-shift universal
    minhash = hasher.minhash(shingles, off)
    band_keys = hasher.band_keys(minhash, np.array(scopes, dtype=np.uint64))
    return _Batch(
        [r["mention_id"] for r in rows],
        [_naive(r["published_at"]) for r in rows],
        tokens,
        exact,
        np.array(lsh, dtype=np.int64),
        minhash,
        band_keys,
    )


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

    def __init__(self) -> None:
        self.parent: list[int] = []

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


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique, minus its slow hashing path for large int arrays)."""
    values = np.sort(values, kind="stable")
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


def _bucket_pairs(keys: np.ndarray, rows: np.ndarray) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """Candidate pairs among rows sharing a key: all pairs in small buckets, and every member
    against the first members of a big one (a viral copy is caught by its first members)."""
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    cuts = np.flatnonzero(np.diff(keys)) + 1
    starts = np.concatenate([[0], cuts])
    sizes = np.diff(np.concatenate([starts, [len(keys)]]))
    for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
        members = rows[start : start + size]
        heads = members[:_BUCKET_ALL_PAIRS]
        i, j = np.meshgrid(np.arange(len(heads)), np.arange(size), indexing="ij")
        keep = i < j
        yield heads[i[keep]], members[j[keep]]


class _Clusters:
    """The batch's rows and the stored clusters they touch, as one union-find forest."""

    def __init__(self, batch: _Batch, settings: DedupeSettings) -> None:
        self.batch = batch
        self.settings = settings
        self.window = settings.window
        self.forest = _Forest()
        for _ in batch.ids:
            self.forest.add()
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

    def close(self, i: int, moment: datetime) -> bool:
        return self.window is None or abs(self.batch.times[i] - moment) <= self.window

    def join(self, i: int, node: int, how: str) -> None:
        if self.forest.union(i, node):
            self.link.setdefault(i, how)

    def originals(self) -> tuple[list[tuple[datetime, str]], list[tuple[str, str, datetime]]]:
        """Each new row's original (time, id), and the stored clusters whose original
        changes: (old cluster id, new original id, its time)."""
        find = self.forest.find
        best: dict[int, tuple[datetime, str]] = {}
        members = [
            *(
                (find(i), (t, m))
                for i, (t, m) in enumerate(zip(self.batch.times, self.batch.ids, strict=True))
            ),
            *((find(node), (self.stored_time[c], c)) for c, node in self.stored_node.items()),
        ]
        for root, candidate in members:
            if root not in best or candidate < best[root]:
                best[root] = candidate
        per_row = [best[find(i)] for i in range(len(self.batch.ids))]
        relabel = []
        for cluster_id, node in self.stored_node.items():
            original_at, original = best[find(node)]
            if original != cluster_id:
                relabel.append((cluster_id, original, original_at))
        return per_row, relabel

    def stored_roots(self) -> set[int]:
        """The components that hold a stored cluster."""
        return {self.forest.find(node) for node in self.stored_node.values()}


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
    bounds = {
        "lo": min(batch.times) - window if window else _FAR_PAST,
        "hi": max(batch.times) + window + timedelta(microseconds=1) if window else _FAR_FUTURE,
    }

    # Rows already signed (a rerun) keep their stored cluster and are not signed again.
    ids = pa.table({"mention_id": pa.array(batch.ids, pa.string())})
    span = {"first": min(batch.times), "last": max(batch.times)}
    for mention_id, cluster_id, original_at in _query(
        con, "dedupe/signed", {"dedupe_ids": ids}, **span
    ):
        i = first[mention_id]
        clusters.signed.add(i)
        clusters.forest.union(i, clusters.stored(cluster_id, original_at))

    by_text = _same_text_in_batch(clusters)
    representative = np.ones(len(unique), dtype=bool)  # one row per text goes through LSH
    for members in by_text.values():
        representative[members[1:]] = False
    reps = np.flatnonzero(representative[batch.lsh])  # positions in batch.lsh
    _similar_in_batch(clusters, reps)
    _against_stored(con, clusters, by_text, reps, bounds)

    per_row, relabel = clusters.originals()
    stored_roots = clusters.stored_roots()
    for i, row in enumerate(unique):
        original_at, original = per_row[i]
        row["dup_cluster_id"] = original
        row["is_duplicate"] = original != batch.ids[i]
        stats.duplicates += row["is_duplicate"]
        if i not in clusters.signed:
            stats.joined_stored += clusters.forest.find(i) in stored_roots
            stats.exact += clusters.link.get(i) == "exact"
            stats.near += clusters.link.get(i) == "near"
    for row in rows:  # a repeated id gets its first occurrence's answer
        source = unique[first[row["mention_id"]]]
        row["dup_cluster_id"] = source["dup_cluster_id"]
        row["is_duplicate"] = source["is_duplicate"]
    stats.short = int(np.count_nonzero((batch.tokens > 0) & (batch.tokens < settings.min_tokens)))

    if relabel:
        stats.relabeled, stats.changed_days = _relabel(con, relabel)
    fresh = [i for i in range(len(unique)) if i not in clusters.signed]
    _store(con, batch, fresh, per_row, settings)
    stats.seconds = time.perf_counter() - started
    return stats


def _same_text_in_batch(clusters: _Clusters) -> dict[int, list[int]]:
    """Rows with the same exact key, chained in time order (copies within the window)."""
    batch = clusters.batch
    by_text: dict[int, list[int]] = {}
    for i, key in enumerate(batch.exact):
        if key is not None:
            by_text.setdefault(key, []).append(i)
    for members in by_text.values():
        if len(members) < 2:
            continue
        members.sort(key=lambda i: (batch.times[i], batch.ids[i]))
        for prev, cur in pairwise(members):
            if clusters.close(cur, batch.times[prev]):
                clusters.join(cur, prev, "exact")
    return by_text


def _similar_in_batch(clusters: _Clusters, reps: np.ndarray) -> None:
    """Rows sharing an LSH band whose MinHash estimate reaches the threshold."""
    batch = clusters.batch
    pairs_i, pairs_j = [], []
    for band in range(batch.bands.shape[1]):
        for pi, pj in _bucket_pairs(batch.bands[reps, band], reps):
            pairs_i.append(pi)
            pairs_j.append(pj)
    if not pairs_i:
        return
    pi, pj = np.concatenate(pairs_i), np.concatenate(pairs_j)
    pair = _distinct_pairs(np.minimum(pi, pj), np.maximum(pi, pj))
    low = batch.low_bytes
    ok = _similar(low[pair[:, 0]], low[pair[:, 1]], clusters.settings.threshold)
    for a, b in pair[ok]:
        i, j = sorted(
            (int(batch.lsh[a]), int(batch.lsh[b])), key=lambda x: (batch.times[x], batch.ids[x])
        )
        if clusters.close(j, batch.times[i]):
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


def _against_stored(
    con, clusters: _Clusters, by_text: dict[int, list[int]], reps: np.ndarray, bounds: dict
) -> None:
    """Stored mentions sharing a key with the batch: the same text joins at once, a shared
    band joins when the MinHash estimate reaches the threshold."""
    batch, settings = clusters.batch, clusters.settings
    text_rows = np.array([i for members in by_text.values() for i in members], dtype=np.int64)
    text_keys = np.array([batch.exact[i] for i in text_rows], dtype=np.int64)
    order = np.argsort(text_keys, kind="stable")
    text_keys, text_rows = text_keys[order], text_rows[order]
    band_keys = batch.bands[reps].ravel()
    band_pos = np.repeat(reps, batch.bands.shape[1])
    order = np.argsort(band_keys, kind="stable")
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
    node_of: dict[str, int] = {}
    nodes = np.empty(len(keys), dtype=np.int64)
    for n, cluster_id in enumerate(cluster_ids.tolist()):
        node = node_of.get(cluster_id)
        if node is None:
            node = node_of[cluster_id] = clusters.stored(cluster_id, originals_at[n].item())
        nodes[n] = node
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
    fresh: list[int],
    originals: list[tuple[datetime, str]],
    settings: DedupeSettings,
) -> None:
    """Append the signatures and keys of the rows not signed before."""
    if not fresh:
        return
    rows = np.array(fresh, dtype=np.int64)
    lsh_pos = np.full(len(batch.ids), -1, dtype=np.int64)
    lsh_pos[batch.lsh] = np.arange(len(batch.lsh))
    pos = lsh_pos[rows]
    low = batch.low_bytes
    signatures = pa.Table.from_pydict(
        {
            "mention_id": [batch.ids[i] for i in fresh],
            "published_at": batch.when[rows],
            "cluster_id": [originals[i][1] for i in fresh],
            "cluster_published_at": [originals[i][0] for i in fresh],
            "scheme": [settings.scheme] * len(fresh),
            "tokens": batch.tokens[rows].astype(np.int32),
            "minhash": [None if p < 0 else low[p].tobytes() for p in pos],
        },
        schema=_SIGNATURE_SCHEMA,
    )
    _query(con, "dedupe/insert_signatures", {"dedupe_signatures": signatures})
    with_text = np.array([i for i in fresh if batch.exact[i] is not None], dtype=np.int64)
    with_bands = rows[pos >= 0]
    key_rows = np.concatenate([with_text, np.repeat(with_bands, batch.bands.shape[1])])
    keys = np.concatenate(
        [
            np.array([batch.exact[i] for i in with_text], dtype=np.int64),
            batch.bands[lsh_pos[with_bands]].ravel(),
        ]
    )
    if not len(keys):
        return
    ids = np.array(batch.ids, dtype=object)
    key_table = pa.table(
        {
            "key": pa.array(keys, pa.int64()),
            "published_at": pa.array(batch.when[key_rows], pa.timestamp("us")),
            "mention_id": pa.array(ids[key_rows], pa.string()),
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
