-- Quarantined records, newest first, optionally for one batch.
select
    batch_id,
    seq,
    source,
    stage,
    reason,
    quarantined_at,
    payload
from quarantine
where $batch_id is null or batch_id = $batch_id
order by quarantined_at desc, batch_id, seq
limit $limit
