-- Flags that only the whole batch can tell (one text from many authors, floods), added after
-- the batch's chunks are in: existing flags first, each new one once.
update mentions as m
set flags = list_concat(
    coalesce(m.flags, []),
    list_filter(f.extra, lambda x: not list_contains(coalesce(m.flags, []), x))
)
from batch_flags as f
where m.mention_id = f.mention_id
