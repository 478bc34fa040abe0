-- Mentions of $brand per UTC hour of $day, by sentiment, with empty hours filled.
with hours as (
    select range as hour
    from range(cast($day as timestamp), cast($day as timestamp) + interval 1 day, interval 1 hour)
),

final as (
    select
        h.hour,
        coalesce(m.positive, 0) as positive,
        coalesce(m.neutral, 0) as neutral,
        coalesce(m.negative, 0) as negative,
        coalesce(m.reach, 0) as reach
    from hours as h
    left join mart_brand_hourly as m on m.hour = h.hour and m.brand = $brand
)

select * from final order by hour
