-- Stored members of the clusters that get a new original (registered as `dedupe_relabel`).
select s.mention_id, s.published_at, r.new_cluster_id as cluster_id
from mention_signatures as s
inner join dedupe_relabel as r on s.cluster_id = r.old_cluster_id
