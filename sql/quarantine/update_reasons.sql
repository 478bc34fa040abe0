-- Records that failed again keep their place in quarantine with the newest reason.
update quarantine as q
set reason = r.reason, stage = r.stage, quarantined_at = r.quarantined_at
from retry_failed as r
where q.batch_id = r.batch_id and q.seq = r.seq
