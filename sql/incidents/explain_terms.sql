-- Terms and hashtags of the negative mentions of $brand inside [$start, $end), with their
-- count in the 7 days before: what people are talking about that they were not.
with window_terms as (
    select unnest(list_concat(coalesce(topics, []), coalesce(entities, []))) as term
    from mentions
    where brand = $brand and not is_duplicate and sentiment_label = 'negative'
        and published_at >= $start and published_at < $end
),

before_terms as (
    select unnest(list_concat(coalesce(topics, []), coalesce(entities, []))) as term
    from mentions
    where brand = $brand and not is_duplicate
        and published_at >= $start - interval 7 day and published_at < $start
),

counted as (
    select w.term, count(*) as now, any_value(b.before) as before
    from window_terms as w
    left join (select term, count(*) as before from before_terms group by term) as b
        on b.term = w.term
    group by w.term
)

select term, now, coalesce(before, 0) as before
from counted
order by now desc, term
limit 30
