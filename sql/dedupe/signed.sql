-- Which of the batch's mentions (registered as `dedupe_ids`) already have a signature, and
-- their cluster: a rerun gives them back their stored cluster instead of signing them twice.
-- $first/$last are the batch's earliest and latest published_at, so only the row groups of
-- that time range are read.
select s.mention_id, s.cluster_id, s.cluster_published_at
from mention_signatures as s
where s.mention_id in (select mention_id from dedupe_ids)
    and s.published_at >= $first
    and s.published_at <= $last
