"""Landed batches -> mentions in DuckDB: normalize, match, dedupe, enrich, load, marts.

Each batch is loaded in one transaction together with its ledger row, so a batch is either
fully processed (and skipped by every rerun) or not at all; a very large batch commits in
parts, each with its ledger row, and resumes after the last one (see `process_batch`).
Every received record ends up loaded, counted as a duplicate, or quarantined with a reason.
The per-record work runs in `pipelines.prepare`, on worker processes for large runs.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd
import pyarrow as pa

from connectors import get_connector
from pipelines import db
from pipelines.audience import load_audience
from pipelines.community import refresh_own_accounts
from pipelines.db import utc_naive
from pipelines.dedupe import assign_clusters
from pipelines.flags import RepeatCounts, batch_key, hour_of
from pipelines.landing import Batch, list_batches
from pipelines.prepare import (
    CHUNK,
    Item,
    Prepared,
    Runner,
    Spec,
    bulk_gc,
    located,
    payload_json,
    runner_for,
)
from pipelines.privacy import author_key
from pipelines.quality import DataQualityError, Gates, GateSettings, gates_for_run
from pipelines.settings import Paths, Watchlist

# A landed record takes a few hundred bytes (an import line, a post in an API page): enough
# to size the progress bar and to tell a big run from an hourly one before reading it.
BYTES_PER_RECORD = 400
# Rows gathered before a write: the quality gate and the duplicate checks cost a fixed
# overhead per call, and this many rows are a few tens of megabytes.
WRITE_ROWS = 20_000
# Records per committed part of a very large batch: DuckDB holds a transaction's rows in
# memory until it commits, about 2 KB a record with its raw payload, signatures and indexes.
PART_RECORDS = 50_000

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


def read_items(batch: Batch, chunk: int) -> Iterator[tuple[list[Item], list[tuple]]]:
    """The batch's raw items in chunks, each with the items that could not even be split out
    of their page: (seq, payload, fetched_at, reason)."""
    connector = get_connector(batch.source)
    items: list[Item] = []
    broken: list[tuple] = []
    seq = 0
    for page in batch.read_pages():
        for item in connector.items(page):
            seq += 1
            if item.error:
                broken.append((seq, item.payload, page.fetched_at, item.error))
            else:
                items.append((seq, item.payload, page.fetched_at))
            if len(items) + len(broken) >= chunk:
                yield items, broken
                items, broken = [], []
    if items or broken or seq == 0:
        yield items, broken


GATE_COLUMNS = [
    "mention_id",
    "text",
    "published_at",
    "sentiment_compound",
    "sentiment_label",
    "lang",
    "brand",
]


class BatchFlags:
    """A batch's flags that only the whole batch can tell (one text from many authors, an
    author's flood of posts), across its parts.

    They only grow as rows come in, so each part applies what is known so far, and rows of
    earlier, committed parts are only updated when a later part adds to them: DuckDB rewrites
    a committed row to update it, so one pass at the end over every part's flagged rows took
    a minute on 150,000 mentions. The counts are kept as rows arrive, and `apply` only
    reconsiders the rows whose text or author-hour gained rows since the last call. Rows are
    kept as small tuples: a million-row batch holds them all.
    """

    def __init__(self) -> None:
        self.counts = RepeatCounts()
        self.applied: dict[str, list[str]] = {}
        # (mention_id, batch key, (author, hour) slot or None: own accounts' rows)
        self._rows: list[tuple[str, int | None, tuple[str, Hashable] | None]] = []
        # what gained rows since the last `apply`
        self._new_keys: set[int] = set()
        self._new_slots: set[tuple[str, Hashable]] = set()

    def add(self, mention_id: str, key: int | None, author: str | None, at: datetime) -> None:
        """`author` None: never counted as an author (own accounts), yet spam like any row."""
        slot = self.counts.add(key, author, hour_of(at))
        self._rows.append((mention_id, key, slot))
        if key is not None:
            self._new_keys.add(key)
        if slot is not None:
            self._new_slots.add(slot)

    def apply(self, con) -> None:
        spam = {k for k in self._new_keys if self.counts.spam(k)}
        floods = {s for s in self._new_slots if self.counts.flood(s)}
        self._new_keys, self._new_slots = set(), set()
        if not spam and not floods:
            return
        changed = []
        for m, key, slot in self._rows:
            if key in spam or slot in floods:
                extra = self.counts.flags(key, slot)
                if self.applied.get(m) != extra:
                    changed.append((m, extra))
        if not changed:
            return
        table = pa.table(
            {
                "mention_id": pa.array([m for m, _ in changed], pa.string()),
                "extra": pa.array([f for _, f in changed], pa.list_(pa.string())),
            }
        )
        with db.registered(con, {"batch_flags": table}):
            con.execute(db.sql("load/add_batch_flags"))
        self.applied.update(changed)


class BatchWriter:
    """Writes one batch, chunk by chunk, inside the caller's transaction.

    Per chunk: in-batch and stored duplicates, the matching verdicts, the quality gate,
    near-duplicate clusters, then one bulk insert of each table. Only counts, days and one
    small key per mention are kept between chunks, so memory follows the chunk, not the file.
    `keep_quarantine` keeps the quarantine rows for the caller (a replay) instead of inserting.
    """

    def __init__(
        self,
        con,
        batch_id: str,
        source: str,
        gates: Gates,
        settings: GateSettings,
        window: tuple[datetime | None, datetime | None] = (None, None),
        *,
        keep_quarantine: bool = False,
        flags: BatchFlags | None = None,
    ) -> None:
        self.con = con
        self.batch_id = batch_id
        self.source = source
        self.gates = gates
        self.settings = settings
        self.window = (utc_naive(window[0]), utc_naive(window[1]))
        self.keep_quarantine = keep_quarantine
        self.now = utc_naive(datetime.now(UTC))
        self.seen: set[str] = set()
        self.received = self.loaded = self.duplicates = 0
        self.reasons: Counter[str] = Counter()
        self.quarantine: list[dict] = []
        self.days: set = set()
        self.flags = BatchFlags() if flags is None else flags  # shared by a batch's parts
        self._pending: list[dict] = []
        # own accounts' posts and answers are never a flood (bot_like), however many
        self._own_authors = set(con.execute(db.sql("load/own_authors")).fetchall())

    def broken(self, items: list[tuple]) -> None:
        """Items that could not be split out of their page: received, then quarantined."""
        raw, rejects = [], []
        for seq, payload, fetched_at, reason in items:
            text = payload_json(payload)
            raw.append((seq, None, text, fetched_at))
            rejects.append((seq, text, located(reason, payload), "split"))
        self._raw(raw)
        self._quarantine([self._reject(*r) for r in rejects])

    def add(self, prepared: Prepared) -> None:
        """Take a prepared chunk; rows are written once enough have gathered, because the
        quality gate and the duplicate checks cost a fixed overhead per call."""
        self._raw(prepared.raw)
        self._quarantine([self._reject(*r) for r in prepared.rejects])
        fresh = [r for r in prepared.rows if self._first(r)]
        self.duplicates += len(prepared.rows) - len(fresh)
        self._pending += fresh
        if len(self._pending) >= WRITE_ROWS:
            self.flush()

    def flush(self) -> None:
        fresh, self._pending = self._pending, []
        if not fresh:
            return
        rejected: list[dict] = []
        stored = _stored_ids(self.con, [r["mention_id"] for r in fresh])
        self.duplicates += len(stored)
        new_rows = []
        for row in fresh:
            if row["mention_id"] in stored:
                continue
            if row["_reject"]:
                rejected.append(self._row_reject(row, row["_reject"], "match"))
            else:
                row["batch_id"] = self.batch_id
                new_rows.append(row)
        new_rows = self._gate(new_rows, rejected)
        # Near-duplicates last: only rows that will really be stored get a signature.
        self.days.update(assign_clusters(self.con, new_rows).changed_days)
        _insert(self.con, "mentions", new_rows, MENTION_SCHEMA)
        self._quarantine(rejected)
        self.loaded += len(new_rows)
        self.days.update(r["published_at"].date() for r in new_rows)
        own = self._own_authors
        for r in new_rows:
            author = None if (r["source"], r["author_id"]) in own else r["author_id"]
            self.flags.add(r["mention_id"], r["_batch_key"], author, r["published_at"])

    def finish(self) -> None:
        """Write what is left, then the batch-level flags (see `BatchFlags`)."""
        self.flush()
        self.flags.apply(self.con)

    @property
    def quarantined(self) -> int:
        return sum(self.reasons.values())

    def _first(self, row: dict) -> bool:
        if row["mention_id"] in self.seen:
            return False
        self.seen.add(row["mention_id"])
        return True

    def _reject(self, seq: int, payload: str | None, reason: str, stage: str) -> dict:
        return {
            "batch_id": self.batch_id,
            "seq": seq,
            "source": self.source,
            "reason": reason,
            "stage": stage,
            "payload": payload,
            "quarantined_at": self.now,
        }

    def _row_reject(self, row: dict, reason: str, stage: str) -> dict:
        where = {"line": row["_line"]} if row.get("_line") else None
        return self._reject(row["_seq"], row["_payload"], located(reason, where), stage)

    def _raw(self, raw: list[tuple]) -> None:
        self.received += len(raw)
        if self.keep_quarantine or not raw:
            return
        seqs, ids, payloads, fetched = zip(*raw, strict=True)
        table = pa.table(
            {
                "batch_id": pa.array([self.batch_id] * len(raw), pa.string()),
                "seq": pa.array(seqs, pa.int32()),
                "source": pa.array([self.source] * len(raw), pa.string()),
                "source_id": pa.array(ids, pa.string()),
                "fetched_at": pa.array([utc_naive(f) for f in fetched], pa.timestamp("us")),
                "window_start": pa.array([self.window[0]] * len(raw), pa.timestamp("us")),
                "window_end": pa.array([self.window[1]] * len(raw), pa.timestamp("us")),
                "payload": pa.array(payloads, pa.string()),
            },
            schema=RAW_SCHEMA,
        )
        _insert_table(self.con, "raw_records", table)

    def _quarantine(self, rows: list[dict]) -> None:
        self.reasons.update(r["reason"] for r in rows)
        if self.keep_quarantine:
            self.quarantine += rows
        elif rows:
            _insert(self.con, "quarantine", rows, QUARANTINE_SCHEMA)

    def _gate(self, rows: list[dict], rejected: list[dict]) -> list[dict]:
        """Row-level failures go to quarantine; a batch-level failure stops the whole batch."""
        if not rows:
            return rows
        frame = pd.DataFrame({c: [r.get(c) for r in rows] for c in GATE_COLUMNS})
        outcome = self.gates.mentions(frame, self.settings)
        if outcome.failures:
            raise DataQualityError(
                f"batch {self.batch_id} failed its quality gate: " + "; ".join(outcome.failures)
            )
        for position, reason in outcome.rejected.items():
            row = rows[position]
            rejected.append(self._row_reject(row, reason, "validate"))
        return [r for i, r in enumerate(rows) if i not in outcome.rejected]


def _stored_ids(con, ids: list[str]) -> set[str]:
    if not ids:
        return set()
    table = pa.table({"mention_id": pa.array(ids, pa.string())})
    with db.registered(con, {"batch_mentions": table}):
        return {r[0] for r in con.execute(db.sql("load/existing_mentions")).fetchall()}


def _insert_table(con, name: str, table: pa.Table) -> None:
    with db.registered(con, {f"batch_{name}": table}):
        con.execute(db.sql(f"load/insert_{name}"))


def _insert(con, name: str, rows: list[dict], schema: pa.Schema) -> None:
    if rows:
        _insert_table(con, name, pa.Table.from_pylist(rows, schema=schema))


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
    runner: Runner,
    gates: Gates,
    settings: GateSettings,
    default_brand: str | None = None,
    on_records: Callable[[int], None] | None = None,
) -> BatchResult:
    """Load one landed batch, in one transaction, or in parts for a very large one.

    A batch of more than PART_RECORDS records commits a part at a time, so that memory stays
    bounded (DuckDB keeps a transaction's rows in memory until it commits). Each part gets its
    own ledger row ("<batch>~<n>", adding up on its own); the last part takes the batch's own
    id, so a batch counts as processed only once it is whole. A run stopped part-way (or a
    part that fails its quality gate) resumes after the last committed part: its records are
    in `raw_records`, and are skipped. Batch-level flags (spam, floods) count every part's rows
    (see `BatchFlags`), the committed ones re-read on a resume.
    """
    result = BatchResult(batch.batch_id, batch.source, batch.query_id)
    resume_after, parts_done = con.execute(
        db.sql("load/committed_parts"), {"batch_id": batch.batch_id}
    ).fetchone()
    pending: deque[tuple[list[tuple], bool]] = deque()

    def chunks() -> Iterator[list[Item]]:
        """Unread records in chunks; alongside, each chunk's broken items and whether it is
        the batch's last chunk (known by reading one chunk ahead)."""
        previous = None
        for items, broken in read_items(batch, CHUNK):
            items = [i for i in items if i[0] > resume_after]
            broken = [b for b in broken if b[0] > resume_after]
            if previous is not None:
                pending.append((previous[1], False))
                yield previous[0]
            previous = (items, broken)
        if previous is not None:
            pending.append((previous[1], True))
            yield previous[0]

    part = parts_done
    flags = _committed_flags(con, batch.batch_id) if parts_done else BatchFlags()
    con.execute("begin transaction")
    try:
        writer = _writer(con, batch, gates, settings, flags)
        for prepared in runner.run(batch.source, default_brand, chunks()):
            broken, last = pending.popleft()
            writer.add(prepared)
            writer.broken(broken)
            if on_records:
                on_records(len(prepared.raw) + len(broken))
            if not last and writer.received >= PART_RECORDS:
                part += 1
                _commit_part(con, batch, writer, gates, f"{batch.batch_id}~{part}", result)
                con.execute("begin transaction")
                writer = _writer(con, batch, gates, settings, flags)
        _commit_part(con, batch, writer, gates, batch.batch_id, result)
    except BaseException:
        con.execute("rollback")
        raise
    return result


def _committed_flags(con, batch_id: str) -> BatchFlags:
    """The batch-level flag inputs of the rows a resumed batch's committed parts wrote."""
    cursor = con.execute(db.sql("load/batch_flag_rows"), {"batch_id": batch_id})
    flags = BatchFlags()
    while rows := cursor.fetchmany(10_000):
        for m, text, row_flags, author, at in rows:
            flags.add(m, batch_key({"text": text, "flags": row_flags}), author, at)
    return flags


def _writer(
    con, batch: Batch, gates: Gates, settings: GateSettings, flags: BatchFlags
) -> BatchWriter:
    window = (batch.window_start, batch.window_end)
    return BatchWriter(con, batch.batch_id, batch.source, gates, settings, window, flags=flags)


def _commit_part(
    con, batch: Batch, writer: BatchWriter, gates: Gates, ledger_id: str, result: BatchResult
) -> None:
    """Finish the writer's rows, write their ledger row and marts, and commit."""
    writer.finish()
    con.execute(
        db.sql("load/insert_ledger"),
        {
            "batch_id": ledger_id,
            "source": batch.source,
            "query_id": batch.query_id,
            "window_start": utc_naive(batch.window_start),
            "window_end": utc_naive(batch.window_end),
            "landing_path": str(batch.path),
            "landed_at": utc_naive(batch.landed_at),
            "processed_at": writer.now,
            "received": writer.received,
            "loaded": writer.loaded,
            "duplicates": writer.duplicates,
            "quarantined": writer.quarantined,
        },
    )
    if ledger_id == batch.batch_id and batch.window_end is not None:
        con.execute(
            db.sql("load/upsert_connector_state"),
            {
                "source": batch.source,
                "query_id": batch.query_id,
                "window_end": utc_naive(batch.window_end),
                "processed_at": writer.now,
            },
        )
    refresh_and_check_marts(con, sorted(writer.days), gates)
    con.execute("commit")
    result.received += writer.received
    result.loaded += writer.loaded
    result.duplicates += writer.duplicates
    result.quarantined += writer.quarantined
    for reason, count in writer.reasons.items():
        result.reasons[reason] = result.reasons.get(reason, 0) + count


def _landed_bytes(batches: list[Batch]) -> int:
    return sum((b.path / m["file"]).stat().st_size for b in batches for m in b.pages)


def process_pending(
    paths: Paths,
    watchlist: Watchlist,
    *,
    on_batch: Callable[[BatchResult], None] | None = None,
    progress: bool = True,
) -> list[BatchResult]:
    """Process every landed batch that the ledger has not seen, oldest first.

    A batch that fails its quality gate is rolled back and reported; the others still load,
    and the failed one is retried by the next run (after a fix). Large runs prepare their
    records on every core (see `pipelines.prepare`); the writes stay in this process.
    """
    from tqdm import tqdm

    gates = gates_for_run()  # first: its start-up overlaps with everything below
    con = db.connect(paths.db)
    try:
        done = {r[0] for r in con.execute(db.sql("load/processed_batches")).fetchall()}
        pending = [b for b in list_batches(paths.landing) if b.batch_id not in done]
        key = author_key(paths.author_key_file)
        own = refresh_own_accounts(con, watchlist, key)
        erased = frozenset(r[0] for r in con.execute(db.sql("privacy/purged_ids")).fetchall())
        spec = Spec(watchlist, key, erased, own)
        records = _landed_bytes(pending) // BYTES_PER_RECORD
        results = []
        with runner_for(spec, records) as runner, bulk_gc():
            settings = GateSettings.for_run(
                tuple(watchlist.languages), require_brand=bool(watchlist.all_brands())
            )
            bar = tqdm(
                desc="process",
                unit=" records",
                total=records or None,
                disable=not progress or None,
                bar_format="{desc}: {n_fmt} records [{elapsed}, {rate_fmt}] {postfix}",
            )
            with bar:
                for batch in pending:
                    try:
                        brand = watchlist.source_brand(batch.source, batch.query_id)
                        result = process_batch(
                            con, batch, runner, gates, settings, brand, bar.update
                        )
                    except DataQualityError as exc:
                        result = BatchResult(
                            batch.batch_id, batch.source, batch.query_id, failed=str(exc)
                        )
                    results.append(result)
                    bar.set_postfix_str(f"{len(results)}/{len(pending)} batches")
                    if on_batch:
                        on_batch(result)
        load_audience(con, paths.landing, watchlist)
        return results
    finally:
        gates.__exit__(None, None, None)
        con.close()
