insert into purged_authors (author_id, purged_at)
select unnest(cast($author_ids as varchar[])), $purged_at
on conflict do nothing
