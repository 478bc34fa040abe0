"""The per-record half of processing: map, normalize, match, score and enrich, on every core.

All of it is a pure function of a raw item and the watchlist, so it runs in worker
processes (each builds its analyzers and tokenizers once) while the parent keeps the one
DuckDB writer: exact-id checks, the quality gate, near-duplicate clustering and the load.
Small batches (an hourly collection) are prepared in-process: starting workers would cost
more than it saves.

A worker hands back plain rows and tuples; the parent never sees a connector payload object,
only its JSON text, which is what `raw_records` and `quarantine` store anyway.
"""

from __future__ import annotations

import gc
import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors import get_connector
from connectors.base import MalformedItem
from pipelines.db import utc_naive
from pipelines.dedupe import mention_words
from pipelines.flags import batch_key
from pipelines.normalize import normalize

NO_MATCH = "matches no brand or competitor in the watchlist"
ERASED = "author erased on request"
# Records per unit of work sent to a worker: large enough that pickling is noise, small
# enough that memory stays flat and both workers are busy until the end.
CHUNK = 4_000
# Below this many records in a run, workers are not worth starting.
PARALLEL_MIN_RECORDS = 20_000
WORKERS_ENV = "VIGIE_WORKERS"
# Allocations between two young-generation collections during a run (Python's default: 700).
GC_YOUNG = 20_000

# (seq, payload, fetched_at): one raw item split out of a landed page.
Item = tuple[int, Any, datetime]


@dataclass(frozen=True)
class Spec:
    """What a worker needs to prepare any batch of a run; sent once, when it starts."""

    watchlist: Any  # pipelines.settings.Watchlist (kept Any: pickled into workers)
    key: bytes
    erased: frozenset[str] = frozenset()
    own: dict[tuple[str, str], str] = field(default_factory=dict)


@dataclass
class Prepared:
    """One chunk, ready for the writer. `rows` carry `_seq`, `_payload` (JSON text) and
    `_reject` (the matching stage's quarantine reason, or None): the writer decides, because
    an already-stored record counts as a duplicate even when it no longer matches."""

    raw: list[tuple[int, str | None, str | None, datetime]] = field(default_factory=list)
    rejects: list[tuple[int, str | None, str, str]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)


def payload_json(payload: Any) -> str | None:
    """JSON text of a raw payload (None stays NULL: erased records keep nothing).

    Lone surrogates cannot be stored as JSON text; the reason already says what was wrong.
    """
    if payload is None:
        return None
    return json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8", "replace").decode()


def located(reason: str, payload: Any) -> str:
    """Prefix the file line when the payload knows it, so users can find the bad row."""
    line = payload.get("line") if isinstance(payload, dict) else None
    return f"line {line}: {reason}" if line and not reason.startswith("line ") else reason


def map_item(connector, payload: Any, *, source: str, fetched_at: datetime, key: bytes) -> dict:
    """One raw item -> one canonical row ready for matching; MalformedItem when it cannot be."""
    fields = connector.to_mention(payload)
    row = normalize(fields, source=source, fetched_at=fetched_at, author_key=key)
    row["published_at"] = utc_naive(row["published_at"])
    row["collected_at"] = utc_naive(row["collected_at"])
    return row


class Preparer:
    """Builds the matcher, scorer and enricher once; `prepare` is called per chunk."""

    def __init__(self, spec: Spec) -> None:
        from pipelines.enrich import Enricher
        from pipelines.match import Matcher
        from pipelines.sentiment import Scorer

        self.spec = spec
        self.matcher = Matcher(spec.watchlist)
        self.scorer = Scorer(spec.watchlist.languages, spec.watchlist.default_language)
        self.enricher = Enricher(spec.watchlist, self.scorer)
        self._scores: dict[tuple[str, str | None], Any] = {}

    def warm(self) -> None:
        """Build every lazily built model now (tokenizers, lexicons, language model): before
        forking, so that the workers inherit them instead of each building its own."""
        for lang, text in (("en", "The bike is great, isn't it?"), ("fr", "Le vélo est génial !")):
            score = self.scorer.score(text)
            row = {
                "text": text,
                "title": None,
                "lang": lang,
                "brand": None,
                "source": "import",
                "author_followers": None,
                "is_competitor": None,
                "sentiment_compound": score.compound,
                "flags": [],
            }
            self.enricher.apply_each([row])
            self.matcher.match(None, text, lang=lang)

    def prepare(self, source: str, brand: str | None, items: Iterable[Item]) -> Prepared:
        from pipelines.community import claim_own_posts

        out = Prepared()
        connector = get_connector(source)
        for seq, payload, fetched_at in items:
            try:
                row = map_item(
                    connector, payload, source=source, fetched_at=fetched_at, key=self.spec.key
                )
            except MalformedItem as exc:
                text = payload_json(payload)
                out.raw.append((seq, None, text, fetched_at))
                out.rejects.append((seq, text, located(str(exc), payload), "map"))
                continue
            if row["author_id"] in self.spec.erased:
                # Counted (the ledger must add up) but nothing of it is kept.
                out.raw.append((seq, None, None, fetched_at))
                out.rejects.append((seq, None, ERASED, "erased"))
                continue
            text = payload_json(payload)
            out.raw.append((seq, row["source_id"], text, fetched_at))
            row["_seq"], row["_payload"] = seq, text
            row["_line"] = payload.get("line") if isinstance(payload, dict) else None
            out.rows.append(row)
        claim_own_posts(out.rows, self.spec.own)
        for row in out.rows:
            row["_reject"] = _assign_brand(row, self.matcher, brand)
        kept = [r for r in out.rows if r["_reject"] is None]
        self._score(kept)
        self.enricher.apply_each(kept)
        for row in kept:
            row["_batch_key"] = batch_key(row, words=row.pop("_flag_words"))
            row["_words"] = mention_words(row["title"], row["text"])  # for near-duplicates
        return out

    def _score(self, rows: list[dict]) -> None:
        """Score each distinct (text, language hint) once: reposts share their original's."""
        cache = self._scores
        if len(cache) > 200_000:
            cache.clear()
        for row in rows:
            title, text = row["title"], row["text"]
            full = text if not title or title in text else f"{title}. {text}"
            key = (full, row["lang"])
            score = cache.get(key)
            if score is None:
                score = cache[key] = self.scorer.score(full, hint=row["lang"])
            row.update(
                lang=score.lang,
                sentiment_compound=score.compound,
                sentiment_pos=score.pos,
                sentiment_neu=score.neu,
                sentiment_neg=score.neg,
                sentiment_label=score.label,
                is_duplicate=False,
            )


def _assign_brand(row: dict, matcher, default_brand: str | None) -> str | None:
    """Set brand fields on the row; return a quarantine reason when the mention is off-topic.

    A brand given by the record (imports) is trusted; otherwise the watchlist's terms decide,
    and an owned channel's brand covers the mentions that name no brand at all.
    """
    if row["brand"]:
        known = matcher.known(row["brand"])
        row["brand"], row["is_competitor"] = known or (row["brand"], False)
        row["matched_terms"] = []
        return None
    matches = matcher.match(
        row["title"],
        row["text"],
        lang=row["lang"],
        source=row["source"],
        author=row["author_name"],
    )
    if not matches and default_brand:
        row["brand"], row["is_competitor"] = matcher.known(default_brand) or (default_brand, False)
        row["matched_terms"] = []
        return None
    if not matches:
        row["is_competitor"] = None
        row["matched_terms"] = []
        return NO_MATCH if matcher.has_brands else None
    primary = matches[0]
    row["brand"], row["is_competitor"] = primary.brand, primary.is_competitor
    row["matched_terms"] = list(dict.fromkeys(t for m in matches for t in m.terms))
    return None


# --- running it on every core ---------------------------------------------------------------


def tune_gc() -> None:
    """Collect cycles rarely while processing: each record allocates a few hundred objects and
    almost none are cycles, but every collection walks the models and caches that stay. With
    Python's defaults this took 7-13 % of a run's CPU. Objects alive now (the models, warmed
    before workers fork) are frozen: never walked again, and never copied into a worker by
    a collection touching them."""
    gc.freeze()
    gc.set_threshold(GC_YOUNG, 20, 20)


@contextmanager
def bulk_gc() -> Iterator[None]:
    """`tune_gc` for the length of a run, then Python's settings back: frozen objects are
    released for the collector (native extensions report leaks at exit otherwise)."""
    before = gc.get_threshold()
    tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*before)
        gc.unfreeze()


_WORKER: list[Preparer] = []  # the Preparer a forked worker inherited from its parent


def _work(task: tuple[str, str | None, list[Item]]) -> Prepared:
    return _WORKER[0].prepare(*task)


def worker_count() -> int:
    """VIGIE_WORKERS when set (1 = no workers), else one per core."""
    configured = os.environ.get(WORKERS_ENV)
    if configured:
        return max(1, int(configured))
    return os.cpu_count() or 1


class Runner:
    """Prepares chunks in order, in-process or on a pool of worker processes.

    At most two chunks per worker are in flight, so a million-record file never sits in
    memory whole: the parent reads the next chunk only when one comes back.
    """

    def __init__(self, spec: Spec, workers: int = 1) -> None:
        self.spec = spec
        self.workers = workers
        self._local: Preparer | None = None
        self._pool = None
        if workers > 1:
            # Models are built once, here, and the forked workers inherit them (copy on
            # write): building them in each worker would cost that time once per core.
            self.local.warm()
            _WORKER[:] = [self.local]
            context = multiprocessing.get_context("fork")
            self._pool = context.Pool(workers, initializer=tune_gc)

    @property
    def local(self) -> Preparer:
        if self._local is None:
            self._local = Preparer(self.spec)
        return self._local

    def run(
        self, source: str, brand: str | None, chunks: Iterator[list[Item]]
    ) -> Iterator[Prepared]:
        if self._pool is None:
            for chunk in chunks:
                yield self.local.prepare(source, brand, chunk)
            return
        pending: deque = deque()
        for chunk in chunks:
            pending.append(self._pool.apply_async(_work, ((source, brand, chunk),)))
            if len(pending) >= 2 * self.workers:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def runner_for(spec: Spec, records: int) -> Runner:
    """Workers only when the run is big enough and this process may have children."""
    workers = worker_count() if records >= PARALLEL_MIN_RECORDS else 1
    if multiprocessing.current_process().daemon:
        workers = 1  # e.g. inside a Celery prefork worker: daemons cannot start processes
    return Runner(spec, workers)
