-- Headline figures of $brand on $day, the day before, and the average of the 7 days before.
with days as (
    select cast(range as date) as day
    from range(cast($day as date) - interval 7 day, cast($day as date) + interval 1 day, interval 1 day)
),

daily as (
    select
        d.day,
        coalesce(m.mentions, 0) as mentions,
        coalesce(m.reach, 0) as reach,
        coalesce(m.engagement, 0) as engagement,
        m.net_sentiment
    from days as d
    left join mart_brand_daily as m on m.day = d.day and m.brand = $brand
),

final as (
    select
        max(mentions) filter (where day = $day) as mentions,
        max(reach) filter (where day = $day) as reach,
        max(engagement) filter (where day = $day) as engagement,
        max(net_sentiment) filter (where day = $day) as net_sentiment,
        max(mentions) filter (where day = $day - 1) as prev_mentions,
        max(reach) filter (where day = $day - 1) as prev_reach,
        max(engagement) filter (where day = $day - 1) as prev_engagement,
        max(net_sentiment) filter (where day = $day - 1) as prev_net_sentiment,
        avg(mentions) filter (where day < $day) as avg7_mentions,
        avg(reach) filter (where day < $day) as avg7_reach,
        avg(engagement) filter (where day < $day) as avg7_engagement,
        avg(net_sentiment) filter (where day < $day) as avg7_net_sentiment
    from daily
)

select * from final
