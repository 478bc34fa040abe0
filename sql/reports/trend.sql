-- Daily volume and net sentiment of $brand over [$start, $end], empty days filled.
with days as (
    select cast(range as date) as day
    from range(cast($start as date), cast($end as date) + interval 1 day, interval 1 day)
),

final as (
    select
        d.day,
        coalesce(m.mentions, 0) as mentions,
        coalesce(m.positive, 0) as positive,
        coalesce(m.neutral, 0) as neutral,
        coalesce(m.negative, 0) as negative,
        coalesce(m.reach, 0) as reach,
        m.net_sentiment
    from days as d
    left join mart_brand_daily as m on m.day = d.day and m.brand = $brand
)

select * from final order by day
