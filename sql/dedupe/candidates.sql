-- Stored mentions sharing a key (exact text or LSH band) with the batch, within its window.
-- The batch's keys are registered as `dedupe_probe`; $lo/$hi bound the stored published_at,
-- so only the row groups of that time window are read, and DuckDB filters the key scan with
-- a Bloom filter of the batch's keys. `hits` is materialized so that this join runs first (a
-- planner left alone may join the whole key table to the signatures before filtering it);
-- the signatures are then joined on (mention_id, published_at), which lets the join's
-- min/max filter on published_at skip the row groups holding no hit. A cluster copied
-- thousands of times answers with its $per_key latest members per key, not all of them.
with probe as (
    select distinct key from dedupe_probe
),

hits as materialized (
    select k.key, k.mention_id, k.published_at
    from mention_signature_keys as k
    where k.key in (select key from probe)
        and k.published_at >= $lo
        and k.published_at < $hi
),

signed as (
    select
        h.key,
        s.mention_id,
        s.published_at,
        s.cluster_id,
        s.cluster_published_at,
        s.scheme,
        s.minhash
    from hits as h
    inner join mention_signatures as s
        on s.mention_id = h.mention_id and s.published_at = h.published_at
    where s.published_at >= $lo
        and s.published_at < $hi
),

final as (
    select *
    from signed
    qualify row_number() over (
        partition by key, cluster_id order by published_at desc, mention_id
    ) <= $per_key
)

select * from final
