-- Stored mentions whose cluster changed (`dedupe_members`): the new original, and whether the
-- mention is a duplicate of it. Nothing is deleted.
update mentions as m
set dup_cluster_id = d.cluster_id,
    is_duplicate = m.mention_id <> d.cluster_id
from dedupe_members as d
where m.mention_id = d.mention_id
