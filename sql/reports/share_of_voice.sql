-- Daily mentions and share of voice of the brands in $brands over [$start, $end].
with days as (
    select cast(range as date) as day
    from range(cast($start as date), cast($end as date) + interval 1 day, interval 1 day)
),

brands as (
    select unnest(cast($brands as varchar[])) as brand
),

grid as (
    select d.day, b.brand from days as d cross join brands as b
),

counts as (
    select
        g.day,
        g.brand,
        coalesce(m.mentions, 0) as mentions
    from grid as g
    left join mart_brand_daily as m on m.day = g.day and m.brand = g.brand
),

final as (
    select
        day,
        brand,
        mentions,
        coalesce(mentions / nullif(sum(mentions) over (partition by day), 0), 0) as share
    from counts
)

select * from final order by day, brand
