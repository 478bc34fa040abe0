-- The most recently processed batches with their ledger, and whether they add up.
select
    batch_id,
    source,
    query_id,
    window_start,
    window_end,
    processed_at,
    received,
    loaded,
    duplicates,
    quarantined,
    received = loaded + duplicates + quarantined as balanced
from ingest_ledger
order by processed_at desc, batch_id
limit $limit
