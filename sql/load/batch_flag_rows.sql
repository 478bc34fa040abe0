-- The rows a resumed batch's committed parts wrote: what its batch-level flags (spam, floods)
-- must count besides the parts still to come.
select mention_id, text, flags, author_id
from mentions
where batch_id = $batch_id
