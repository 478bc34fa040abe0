-- The most reached mentions of the competitors in $brands over [$start, $end].
select
    brand,
    published_at,
    source,
    author_name,
    lang,
    coalesce(reach_estimate, 0) as reach,
    sentiment_label,
    coalesce(title, '') as title,
    text,
    url
from mentions
where brand in (select unnest(cast($brands as varchar[])))
    and not is_duplicate
    and published_at >= cast($start as timestamp)
    and published_at < cast($end as timestamp) + interval 1 day
order by reach desc, published_at desc
limit $limit
