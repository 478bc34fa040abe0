-- Quarantined records that can be mapped again (their raw item was readable), with the time
-- they were fetched, optionally for one batch.
select
    q.batch_id,
    q.seq,
    q.source,
    q.payload,
    r.fetched_at,
    l.query_id
from quarantine as q
inner join raw_records as r on r.batch_id = q.batch_id and r.seq = q.seq
inner join ingest_ledger as l on l.batch_id = q.batch_id
where q.stage not in ('split', 'erased')
    and ($batch_id is null or q.batch_id = $batch_id)
order by q.batch_id, q.seq
