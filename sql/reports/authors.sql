-- Authors with at least two mentions of $brand of sentiment $label over [$start, $end].
select
    any_value(author_name) as author_name,
    any_value(source) as source,
    count(*) as mentions,
    max(coalesce(author_followers, 0)) as followers,
    sum(coalesce(reach_estimate, 0)) as reach,
    round(avg(sentiment_compound), 3) as avg_compound
from mentions
where brand = $brand
    and not is_duplicate
    and author_id is not null
    and sentiment_label = $label
    and published_at >= cast($start as timestamp)
    and published_at < cast($end as timestamp) + interval 1 day
group by author_id
having count(*) >= 2
order by mentions desc, reach desc, author_name
limit $limit
