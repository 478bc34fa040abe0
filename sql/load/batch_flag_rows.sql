-- The rows a resumed batch's committed parts wrote: what its batch-level flags (spam, floods)
-- must count besides the parts still to come. Own accounts' rows count with no author.
select
    m.mention_id,
    m.text,
    m.flags,
    case when o.author_id is null then m.author_id end as author_id,
    m.published_at
from mentions as m
left join own_accounts as o on o.source = m.source and o.author_id = m.author_id
where m.batch_id = $batch_id
