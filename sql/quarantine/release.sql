-- Remove the quarantine rows listed in retry_released (now loaded or known duplicates).
delete from quarantine as q
using retry_released as r
where q.batch_id = r.batch_id and q.seq = r.seq
