-- Stored mentions without a signature (loaded before deduplication existed), oldest first.
select m.mention_id, m.published_at, m.title, m.text, m.author_id, m.brand
from mentions as m
where m.mention_id not in (select mention_id from mention_signatures)
order by m.published_at, m.mention_id
limit $limit
