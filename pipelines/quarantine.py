"""Quarantine: look at what was set aside, and replay it after a fix.

A replay runs the current mapping, matching and scoring over each quarantined raw item.
Records that now pass move from "quarantined" to "loaded" (or "duplicates") in their batch's
ledger row, in one transaction, so the ledger still adds up. Records quarantined before they
could be split out of their page (unreadable JSON, a broken feed) cannot be replayed this way:
their batch must be landed again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import pyarrow as pa

from pipelines import db
from pipelines.community import refresh_own_accounts
from pipelines.prepare import Item, Preparer, Spec
from pipelines.privacy import author_key
from pipelines.process import BatchWriter, refresh_and_check_marts
from pipelines.quality import Gates, GateSettings
from pipelines.settings import Paths, Watchlist

KEYS = pa.schema([("batch_id", pa.string()), ("seq", pa.int32())])
FAILED = pa.schema(
    [
        ("batch_id", pa.string()),
        ("seq", pa.int32()),
        ("reason", pa.string()),
        ("stage", pa.string()),
        ("quarantined_at", pa.timestamp("us")),
    ]
)
DELTA = pa.schema([("batch_id", pa.string()), ("loaded", pa.int64()), ("duplicates", pa.int64())])


@dataclass
class RetryResult:
    replayed: int = 0
    loaded: int = 0
    duplicates: int = 0
    still_quarantined: int = 0
    not_replayable: int = 0


def list_quarantine(paths: Paths, batch_id: str | None = None, limit: int = 50) -> list[dict]:
    con = db.connect(paths.db, read_only=True)
    try:
        return db.fetch_dicts(con, "quarantine/list", batch_id=batch_id, limit=limit)
    finally:
        con.close()


def retry_quarantine(
    paths: Paths, watchlist: Watchlist, batch_id: str | None = None
) -> RetryResult:
    result = RetryResult()
    con = db.connect(paths.db)
    try:
        params = {"batch_id": batch_id}
        rows = con.execute(db.sql("quarantine/replayable"), params).fetchall()
        result.not_replayable = con.execute(
            db.sql("quarantine/count_unreplayable"), params
        ).fetchone()[0]
        result.replayed = len(rows)
        if not rows:
            return result
        key = author_key(paths.author_key_file)
        preparer = Preparer(Spec(watchlist, key, own=refresh_own_accounts(con, watchlist, key)))
        settings = GateSettings.for_run(
            tuple(watchlist.languages), require_brand=bool(watchlist.all_brands())
        )
        by_batch: dict[tuple[str, str, str], list[Item]] = {}
        for batch_id, seq, source, payload_text, fetched_at, query_id in rows:
            payload: Any = json.loads(payload_text) if payload_text else None
            items = by_batch.setdefault((batch_id, source, query_id), [])
            items.append((seq, payload, fetched_at.replace(tzinfo=UTC)))
        with Gates() as gates, db.transaction(con):
            released, failed, delta, days = [], [], [], set()
            for (batch_id, source, query_id), items in by_batch.items():
                brand = watchlist.source_brand(source, query_id)
                writer = BatchWriter(con, batch_id, source, gates, settings, keep_quarantine=True)
                writer.add(preparer.prepare(source, brand, items))
                writer.finish()
                still = {r["seq"] for r in writer.quarantine}
                failed += [{k: r[k] for k in FAILED.names} for r in writer.quarantine]
                released += [{"batch_id": batch_id, "seq": s} for s, *_ in items if s not in still]
                delta.append(
                    {"batch_id": batch_id, "loaded": writer.loaded, "duplicates": writer.duplicates}
                )
                days |= writer.days
                result.loaded += writer.loaded
                result.duplicates += writer.duplicates
                result.still_quarantined += len(still)
            for name, data, schema, statement in (
                ("retry_released", released, KEYS, "quarantine/release"),
                ("retry_failed", failed, FAILED, "quarantine/update_reasons"),
                ("retry_delta", delta, DELTA, "quarantine/ledger_after_retry"),
            ):
                with db.registered(con, {name: pa.Table.from_pylist(data, schema=schema)}):
                    con.execute(db.sql(statement))
            refresh_and_check_marts(con, sorted(days), gates)
        return result
    finally:
        con.close()
