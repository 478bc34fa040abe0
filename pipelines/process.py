"""Landed batches -> mentions in DuckDB: normalize, match, dedupe, enrich, load, marts.

Each batch is loaded in one transaction together with its ledger row, so a batch is either
fully processed (and skipped by every rerun) or not at all. Every received record ends up
loaded, counted as a duplicate, or quarantined with a reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pyarrow as pa

from connectors import get_connector
from connectors.base import MalformedItem
from pipelines import db
from pipelines.audience import load_audience
from pipelines.community import claim_own_posts, refresh_own_accounts
from pipelines.dedupe import assign_clusters
from pipelines.enrich import Enricher
from pipelines.landing import Batch, list_batches
from pipelines.match import Matcher
from pipelines.normalize import normalize
from pipelines.privacy import author_key
from pipelines.quality import DataQualityError, Gates, GateSettings
from pipelines.sentiment import Scorer
from pipelines.settings import Paths, Watchlist

NO_MATCH = "matches no brand or competitor in the watchlist"

MENTION_SCHEMA = pa.schema(
    [
        ("mention_id", pa.string()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("url", pa.string()),
        ("author_id", pa.string()),
        ("author_name", pa.string()),
        ("author_followers", pa.int64()),
        ("published_at", pa.timestamp("us")),
        ("collected_at", pa.timestamp("us")),
        ("lang", pa.string()),
        ("text", pa.string()),
        ("title", pa.string()),
        ("brand", pa.string()),
        ("is_competitor", pa.bool_()),
        ("matched_terms", pa.list_(pa.string())),
        ("likes", pa.int64()),
        ("shares", pa.int64()),
        ("comments", pa.int64()),
        ("reach_estimate", pa.int64()),
        ("is_duplicate", pa.bool_()),
        ("dup_cluster_id", pa.string()),
        ("sentiment_compound", pa.float64()),
        ("sentiment_pos", pa.float64()),
        ("sentiment_neu", pa.float64()),
        ("sentiment_neg", pa.float64()),
        ("sentiment_label", pa.string()),
        ("flags", pa.list_(pa.string())),
        ("target_sentiment", pa.float64()),
        ("entities", pa.list_(pa.string())),
        ("topics", pa.list_(pa.string())),
        ("reply_to", pa.string()),
        ("batch_id", pa.string()),
    ]
)
RAW_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("seq", pa.int32()),
        ("source", pa.string()),
        ("source_id", pa.string()),
        ("fetched_at", pa.timestamp("us")),
        ("window_start", pa.timestamp("us")),
        ("window_end", pa.timestamp("us")),
        ("payload", pa.string()),
    ]
)
QUARANTINE_SCHEMA = pa.schema(
    [
        ("batch_id", pa.string()),
        ("seq", pa.int32()),
        ("source", pa.string()),
        ("reason", pa.string()),
        ("stage", pa.string()),
        ("payload", pa.string()),
        ("quarantined_at", pa.timestamp("us")),
    ]
)


@dataclass
class BatchResult:
    batch_id: str
    source: str
    query_id: str
    received: int = 0
    loaded: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    failed: str | None = None  # why the batch was rolled back, when it was


def _utc_naive(moment: datetime | None) -> datetime | None:
    """DuckDB columns are TIMESTAMP in UTC; strip the (UTC) zone after converting to it."""
    return moment.astimezone(UTC).replace(tzinfo=None) if moment else None


def _payload_json(payload: Any) -> str | None:
    """JSON text of a raw payload (None stays NULL: erased records keep nothing).

    Lone surrogates cannot be stored as JSON text; the reason already says what was wrong.
    """
    if payload is None:
        return None
    return json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8", "replace").decode()


class _BatchWork:
    """Accumulates one batch's rows on the Python side before the single bulk load."""

    def __init__(self, batch_id: str, source: str) -> None:
        self.batch_id = batch_id
        self.source = source
        self.now = _utc_naive(datetime.now(UTC))
        self.raw: list[dict] = []
        self.quarantine: list[dict] = []
        self.mentions: dict[str, dict] = {}
        self.in_batch_duplicates = 0
        self.changed_days: list = []  # stored mentions relabelled by near-duplicate clustering

    def add_raw(
        self,
        seq: int,
        payload: Any,
        fetched_at: datetime,
        source_id: str | None,
        window: tuple[datetime | None, datetime | None],
    ) -> None:
        self.raw.append(
            {
                "batch_id": self.batch_id,
                "seq": seq,
                "source": self.source,
                "source_id": source_id,
                "fetched_at": _utc_naive(fetched_at),
                "window_start": _utc_naive(window[0]),
                "window_end": _utc_naive(window[1]),
                "payload": _payload_json(payload),
            }
        )

    def reject(self, seq: int, payload: Any, reason: str, stage: str) -> None:
        self.quarantine.append(
            {
                "batch_id": self.batch_id,
                "seq": seq,
                "source": self.source,
                "reason": _located(reason, payload),
                "stage": stage,
                "payload": _payload_json(payload),
                "quarantined_at": self.now,
            }
        )

    def accept(self, row: dict) -> None:
        if row["mention_id"] in self.mentions:
            self.in_batch_duplicates += 1
        else:
            self.mentions[row["mention_id"]] = row


def _assign_brand(row: dict, matcher: Matcher, default_brand: str | None) -> str | None:
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


def map_item(connector, payload: Any, *, source: str, fetched_at: datetime, key: bytes) -> dict:
    """One raw item -> one canonical row ready for matching; MalformedItem when it cannot be."""
    fields = connector.to_mention(payload)
    row = normalize(fields, source=source, fetched_at=fetched_at, author_key=key)
    row["published_at"] = _utc_naive(row["published_at"])
    row["collected_at"] = _utc_naive(row["collected_at"])
    return row


ERASED = "author erased on request"


def _collect_rows(batch: Batch, key: bytes, erased: frozenset[str] = frozenset()) -> _BatchWork:
    connector = get_connector(batch.source)
    work = _BatchWork(batch.batch_id, batch.source)
    window = (batch.window_start, batch.window_end)
    seq = 0
    for page in batch.read_pages():
        for item in connector.items(page):
            seq += 1
            if item.error:
                work.add_raw(seq, item.payload, page.fetched_at, None, window)
                work.reject(seq, item.payload, item.error, "split")
                continue
            try:
                row = map_item(
                    connector,
                    item.payload,
                    source=batch.source,
                    fetched_at=page.fetched_at,
                    key=key,
                )
            except MalformedItem as exc:
                work.add_raw(seq, item.payload, page.fetched_at, None, window)
                work.reject(seq, item.payload, str(exc), "map")
                continue
            if row["author_id"] in erased:
                # Counted (the ledger must add up) but nothing of it is kept.
                work.add_raw(seq, None, page.fetched_at, None, window)
                work.reject(seq, None, ERASED, "erased")
                continue
            work.add_raw(seq, item.payload, page.fetched_at, row["source_id"], window)
            row["batch_id"] = batch.batch_id
            row["_seq"], row["_payload"] = seq, item.payload
            work.accept(row)
    return work


def _located(reason: str, payload: Any) -> str:
    """Prefix the file line when the payload knows it, so users can find the bad row."""
    line = payload.get("line") if isinstance(payload, dict) else None
    return f"line {line}: {reason}" if line and not reason.startswith("line ") else reason


def _score(rows: list[dict], scorer: Scorer) -> None:
    """Score each distinct (text, language hint) once: reposts share their original's score."""
    cache: dict[tuple[str, str | None], Any] = {}
    for row in rows:
        title, text = row["title"], row["text"]
        full = text if not title or title in text else f"{title}. {text}"
        key = (full, row["lang"])
        if key not in cache:
            cache[key] = scorer.score(full, hint=row["lang"])
        score = cache[key]
        row.update(
            lang=score.lang,
            sentiment_compound=score.compound,
            sentiment_pos=score.pos,
            sentiment_neu=score.neu,
            sentiment_neg=score.neg,
            sentiment_label=score.label,
            is_duplicate=False,
        )


def _stored_ids(con, ids: list[str]) -> set[str]:
    table = pa.Table.from_pylist(
        [{"mention_id": m} for m in ids], schema=pa.schema([("mention_id", pa.string())])
    )
    con.register("batch_mentions", table)
    try:
        return {r[0] for r in con.execute(db.sql("load/existing_mentions")).fetchall()}
    finally:
        con.unregister("batch_mentions")


GATE_COLUMNS = [
    "mention_id",
    "text",
    "published_at",
    "sentiment_compound",
    "sentiment_label",
    "lang",
    "brand",
]


def _gate(rows: list[dict], work: _BatchWork, gates: Gates, settings: GateSettings) -> list[dict]:
    """Row-level failures go to quarantine; a batch-level failure stops the whole batch."""
    if not rows:
        return rows
    frame = pd.DataFrame({c: [r.get(c) for r in rows] for c in GATE_COLUMNS})
    outcome = gates.mentions(frame, settings)
    if outcome.failures:
        raise DataQualityError(
            f"batch {work.batch_id} failed its quality gate: " + "; ".join(outcome.failures)
        )
    for position, reason in outcome.rejected.items():
        row = rows[position]
        work.reject(row["_seq"], row["_payload"], reason, "validate")
    return [r for i, r in enumerate(rows) if i not in outcome.rejected]


def load_rows(
    con,
    work: _BatchWork,
    matcher: Matcher,
    scorer: Scorer,
    gates: Gates,
    default_brand: str | None = None,
    enricher: Enricher | None = None,
) -> tuple[list[dict], int]:
    """Inside the caller's transaction: drop already-stored ids, match, score, check, insert.

    Returns the inserted rows and how many were duplicates of stored mentions; off-topic
    rows and rows failing a row-level quality check are added to the work's quarantine.
    """
    stored = _stored_ids(con, list(work.mentions))
    new_rows = []
    for mention_id, row in work.mentions.items():
        if mention_id in stored:
            continue
        reason = _assign_brand(row, matcher, default_brand)
        if reason:
            work.reject(row["_seq"], row["_payload"], reason, "match")
        else:
            new_rows.append(row)
    _score(new_rows, scorer)
    if enricher:
        enricher.apply(new_rows)
    settings = GateSettings.for_run(scorer.languages, require_brand=matcher.has_brands)
    new_rows = _gate(new_rows, work, gates, settings)
    # Near-duplicates last: only rows that will really be stored get a signature.
    work.changed_days = assign_clusters(con, new_rows).changed_days
    con.register("batch_mentions", pa.Table.from_pylist(new_rows, schema=MENTION_SCHEMA))
    try:
        con.execute(db.sql("load/insert_mentions"))
    finally:
        con.unregister("batch_mentions")
    return new_rows, len(stored)


def _insert(con, name: str, rows: list[dict], schema: pa.Schema) -> None:
    con.register(f"batch_{name}", pa.Table.from_pylist(rows, schema=schema))
    try:
        con.execute(db.sql(f"load/insert_{name}"))
    finally:
        con.unregister(f"batch_{name}")


def refresh_and_check_marts(con, days: list, gates: Gates) -> None:
    """Rebuild the marts of the touched days, then hold them to the mart quality gate."""
    if not days:
        return
    db.refresh_marts(con, days)
    frame = con.execute(db.sql("marts/check_rows"), {"days": days}).df()
    outcome = gates.marts(frame)
    if outcome.failures:
        raise DataQualityError("marts failed their quality gate: " + "; ".join(outcome.failures))


def process_batch(
    con,
    batch: Batch,
    matcher: Matcher,
    scorer: Scorer,
    key: bytes,
    gates: Gates,
    default_brand: str | None = None,
    erased: frozenset[str] = frozenset(),
    enricher: Enricher | None = None,
    own: dict[tuple[str, str], str] | None = None,
) -> BatchResult:
    work = _collect_rows(batch, key, erased)
    claim_own_posts(work.mentions.values(), own or {})  # own accounts' replies: their brand
    result = BatchResult(batch.batch_id, batch.source, batch.query_id)
    with db.transaction(con):
        new_rows, stored = load_rows(con, work, matcher, scorer, gates, default_brand, enricher)
        _insert(con, "raw_records", work.raw, RAW_SCHEMA)
        _insert(con, "quarantine", work.quarantine, QUARANTINE_SCHEMA)
        result.received = len(work.raw)
        result.loaded = len(new_rows)
        result.duplicates = work.in_batch_duplicates + stored
        result.quarantined = len(work.quarantine)
        con.execute(
            db.sql("load/insert_ledger"),
            {
                "batch_id": batch.batch_id,
                "source": batch.source,
                "query_id": batch.query_id,
                "window_start": _utc_naive(batch.window_start),
                "window_end": _utc_naive(batch.window_end),
                "landing_path": str(batch.path),
                "landed_at": _utc_naive(batch.landed_at),
                "processed_at": work.now,
                "received": result.received,
                "loaded": result.loaded,
                "duplicates": result.duplicates,
                "quarantined": result.quarantined,
            },
        )
        if batch.window_end is not None:
            con.execute(
                db.sql("load/upsert_connector_state"),
                {
                    "source": batch.source,
                    "query_id": batch.query_id,
                    "window_end": _utc_naive(batch.window_end),
                    "processed_at": work.now,
                },
            )
        days = sorted({row["published_at"].date() for row in new_rows} | set(work.changed_days))
        refresh_and_check_marts(con, days, gates)
    for row in work.quarantine:
        result.reasons[row["reason"]] = result.reasons.get(row["reason"], 0) + 1
    return result


def process_pending(
    paths: Paths,
    watchlist: Watchlist,
    *,
    on_batch: Callable[[BatchResult], None] | None = None,
    progress: bool = True,
) -> list[BatchResult]:
    """Process every landed batch that the ledger has not seen, oldest first.

    A batch that fails its quality gate is rolled back and reported; the others still load,
    and the failed one is retried by the next run (after a fix).
    """
    from tqdm import tqdm

    with Gates() as gates:
        con = db.connect(paths.db)
        try:
            done = {r[0] for r in con.execute(db.sql("load/processed_batches")).fetchall()}
            pending = [b for b in list_batches(paths.landing) if b.batch_id not in done]
            matcher = Matcher(watchlist)
            scorer = Scorer(watchlist.languages, watchlist.default_language)
            enricher = Enricher(watchlist, scorer)
            key = author_key(paths.author_key_file)
            own = refresh_own_accounts(con, watchlist, key)
            erased = frozenset(r[0] for r in con.execute(db.sql("privacy/purged_ids")).fetchall())
            results = []
            bar = tqdm(pending, desc="process", unit="batch", disable=not progress or None)
            for batch in bar:
                try:
                    brand = watchlist.source_brand(batch.source, batch.query_id)
                    result = process_batch(
                        con, batch, matcher, scorer, key, gates, brand, erased, enricher, own
                    )
                except DataQualityError as exc:
                    result = BatchResult(
                        batch.batch_id, batch.source, batch.query_id, failed=str(exc)
                    )
                results.append(result)
                if on_batch:
                    on_batch(result)
            load_audience(con, paths.landing, watchlist)
            return results
        finally:
            con.close()
