"""`vigie status`: what the store holds, what is waiting, and whether every batch adds up."""

from __future__ import annotations

from pipelines import db
from pipelines.landing import list_batches
from pipelines.settings import Paths


def store_status(paths: Paths, limit: int = 20) -> dict:
    """Totals, the most recent batches, and landed batches not processed yet."""
    con = db.connect(paths.db, read_only=True)
    try:
        [totals] = db.fetch_dicts(con, "status/totals")
        recent = db.fetch_dicts(con, "status/recent_batches", limit=limit)
        done = {r[0] for r in con.execute(db.sql("load/processed_batches")).fetchall()}
    finally:
        con.close()
    pending = [b for b in list_batches(paths.landing) if b.batch_id not in done]
    return {"totals": totals, "recent": recent, "pending": pending}
