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

from connectors import get_connector
from connectors.base import MalformedItem
from pipelines import db
from pipelines.enrich import Enricher
from pipelines.match import Matcher
from pipelines.privacy import author_key
from pipelines.process import _BatchWork, load_rows, map_item, refresh_and_check_marts
from pipelines.quality import Gates
from pipelines.sentiment import Scorer
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


def _replay(rows: list[tuple], key: bytes) -> dict[str, _BatchWork]:
    """Map every replayable record again, grouped by batch; failures stay in each work."""
    works: dict[str, _BatchWork] = {}
    for batch_id, seq, source, payload_text, fetched_at, _ in rows:
        work = works.setdefault(batch_id, _BatchWork(batch_id, source))
        payload: Any = json.loads(payload_text) if payload_text else None
        try:
            row = map_item(
                get_connector(source),
                payload,
                source=source,
                fetched_at=fetched_at.replace(tzinfo=UTC),
                key=key,
            )
        except MalformedItem as exc:
            work.reject(seq, payload, str(exc), "map")
            continue
        row["batch_id"] = batch_id
        row["_seq"], row["_payload"] = seq, payload
        work.accept(row)
    return works


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
        works = _replay(rows, author_key(paths.author_key_file))
        matcher = Matcher(watchlist)
        scorer = Scorer(watchlist.languages, watchlist.default_language)
        enricher = Enricher(watchlist, scorer)
        with Gates() as gates, db.transaction(con):
            released, failed, delta, days = [], [], [], set()
            for work in works.values():
                query_id = next(r[5] for r in rows if r[0] == work.batch_id)
                brand = watchlist.source_brand(work.source, query_id)
                new_rows, stored = load_rows(con, work, matcher, scorer, gates, brand, enricher)
                still = {r["seq"] for r in work.quarantine}
                failed += [{k: r[k] for k in FAILED.names} for r in work.quarantine]
                seqs = [seq for b, seq, *_ in rows if b == work.batch_id and seq not in still]
                released += [{"batch_id": work.batch_id, "seq": s} for s in seqs]
                duplicates = stored + work.in_batch_duplicates
                delta.append(
                    {"batch_id": work.batch_id, "loaded": len(new_rows), "duplicates": duplicates}
                )
                days |= {r["published_at"].date() for r in new_rows} | set(work.changed_days)
                result.loaded += len(new_rows)
                result.duplicates += duplicates
                result.still_quarantined += len(still)
            for name, data, schema, statement in (
                ("retry_released", released, KEYS, "quarantine/release"),
                ("retry_failed", failed, FAILED, "quarantine/update_reasons"),
                ("retry_delta", delta, DELTA, "quarantine/ledger_after_retry"),
            ):
                con.register(name, pa.Table.from_pylist(data, schema=schema))
                try:
                    con.execute(db.sql(statement))
                finally:
                    con.unregister(name)
            refresh_and_check_marts(con, sorted(days), gates)
        return result
    finally:
        con.close()
