-- Mentions of $brand on $day by source and by language, with their sentiment split.
with day_mentions as (
    select source, coalesce(lang, '?') as lang, sentiment_label
    from mentions
    where brand = $brand
        and not is_duplicate
        and published_at >= cast($day as timestamp)
        and published_at < cast($day as timestamp) + interval 1 day
),

by_source as (
    select 'source' as dimension, source as value, sentiment_label from day_mentions
),

by_lang as (
    select 'language' as dimension, lang as value, sentiment_label from day_mentions
),

final as (
    select
        dimension,
        value,
        count(*) as mentions,
        count(*) filter (where sentiment_label = 'positive') as positive,
        count(*) filter (where sentiment_label = 'negative') as negative
    from (select * from by_source union all select * from by_lang)
    group by dimension, value
)

select * from final order by dimension desc, mentions desc, value
