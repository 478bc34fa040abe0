-- The most reached mentions of the competitors in $brands over [$start, $end]. A near-duplicate
-- cluster shows once, as its original, with the reach of all its copies published so far and
-- how many there are.
with clusters as (
    select
        coalesce(dup_cluster_id, mention_id) as cluster_id,
        sum(coalesce(reach_estimate, 0)) as reach,
        count(*) - 1 as copies
    from mentions
    where brand in (select unnest(cast($brands as varchar[])))
        and published_at < cast($end as timestamp) + interval 1 day
    group by cluster_id
)

select
    m.brand,
    m.published_at,
    m.source,
    m.author_name,
    m.lang,
    coalesce(c.reach, m.reach_estimate, 0) as reach,
    coalesce(c.copies, 0) as copies,
    m.sentiment_label,
    coalesce(m.title, '') as title,
    m.text,
    m.url
from mentions as m
left join clusters as c on c.cluster_id = coalesce(m.dup_cluster_id, m.mention_id)
where m.brand in (select unnest(cast($brands as varchar[])))
    and not m.is_duplicate
    and m.published_at >= cast($start as timestamp)
    and m.published_at < cast($end as timestamp) + interval 1 day
order by reach desc, m.published_at desc
limit $limit
