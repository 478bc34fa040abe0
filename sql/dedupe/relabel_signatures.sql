-- Point the signatures of relabeled clusters (`dedupe_relabel`) at their new original.
update mention_signatures as s
set cluster_id = r.new_cluster_id,
    cluster_published_at = r.new_published_at
from dedupe_relabel as r
where s.cluster_id = r.old_cluster_id
