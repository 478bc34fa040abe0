-- The mentions of an author, by pseudonym or by displayed name (with or without "@").
select mention_id, source, source_id, batch_id, cast(published_at as date) as day
from mentions
where author_id in (select unnest(cast($author_ids as varchar[])))
    or lower(author_name) in (select unnest(cast($names as varchar[])))
