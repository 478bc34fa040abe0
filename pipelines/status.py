"""`vigie status`: what the store holds, what is waiting, and whether every batch adds up."""

from __future__ import annotations

from pipelines import db
from pipelines.landing import list_batches
from pipelines.settings import Paths


def store_status(paths: Paths, limit: int = 20) -> dict:
    """Totals, the most recent batches, and landed batches not processed yet."""
    con = db.connect(paths.db, read_only=True)
    try:
        cursor = con.execute(db.sql("status/totals"))
        totals = dict(zip([c[0] for c in cursor.description], cursor.fetchone(), strict=True))
        cursor = con.execute(db.sql("status/recent_batches"), {"limit": limit})
        columns = [c[0] for c in cursor.description]
        recent = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        done = {r[0] for r in con.execute(db.sql("load/processed_batches")).fetchall()}
    finally:
        con.close()
    pending = [b for b in list_batches(paths.landing) if b.batch_id not in done]
    return {"totals": totals, "recent": recent, "pending": pending}
