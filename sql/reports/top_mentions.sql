-- The most reached mentions of $brand on $day with sentiment $label.
select
    published_at,
    source,
    author_name,
    lang,
    coalesce(reach_estimate, 0) as reach,
    sentiment_compound,
    coalesce(title, '') as title,
    text,
    url
from mentions
where brand = $brand
    and not is_duplicate
    and sentiment_label = $label
    and published_at >= cast($day as timestamp)
    and published_at < cast($day as timestamp) + interval 1 day
order by reach desc, abs(sentiment_compound) desc, published_at desc
limit $limit
