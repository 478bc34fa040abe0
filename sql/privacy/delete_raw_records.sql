-- Raw records of the purged mentions: same batch, same source id.
delete from raw_records as r
using purge_targets as t
where r.batch_id = t.batch_id and r.source_id = t.source_id
