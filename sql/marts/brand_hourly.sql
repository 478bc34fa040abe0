-- Hourly mart rows for the days in $days, for every brand seen on them.
insert into mart_brand_hourly
with days as (
    select unnest(cast($days as date[])) as day
),

mentions_of_days as (
    select
        brand,
        is_competitor,
        date_trunc('hour', published_at) as hour,
        is_duplicate,
        sentiment_label,
        coalesce(reach_estimate, 0) as reach
    from mentions as m
    where brand is not null
        and cast(published_at as date) in (select day from days)
        -- A brand's own posts and replies are not mentions of it (own_accounts: watchlist).
        and not exists (
            select 1 from own_accounts as o
            where o.source = m.source and o.author_id = m.author_id
        )
),

final as (
    select
        brand,
        bool_or(is_competitor) as is_competitor,
        hour,
        count(*) filter (where not is_duplicate) as mentions,
        sum(reach) as reach,
        count(*) filter (where not is_duplicate and sentiment_label = 'positive') as positive,
        count(*) filter (where not is_duplicate and sentiment_label = 'neutral') as neutral,
        count(*) filter (where not is_duplicate and sentiment_label = 'negative') as negative,
        coalesce(sum(reach) filter (where sentiment_label = 'negative'), 0) as negative_reach
    from mentions_of_days
    group by brand, hour
)

select * from final
