-- Per brand in $brands over [$start, $end]: volume, reach, sentiment shares, share of voice.
with brands as (
    select unnest(cast($brands as varchar[])) as brand
),

totals as (
    select
        b.brand,
        coalesce(sum(m.mentions), 0) as mentions,
        coalesce(sum(m.reach), 0) as reach,
        coalesce(sum(m.engagement), 0) as engagement,
        coalesce(sum(m.positive), 0) as positive,
        coalesce(sum(m.negative), 0) as negative
    from brands as b
    left join mart_brand_daily as m
        on m.brand = b.brand and m.day between cast($start as date) and cast($end as date)
    group by b.brand
),

final as (
    select
        brand,
        mentions,
        reach,
        engagement,
        round(100.0 * positive / nullif(mentions, 0), 1) as positive_pct,
        round(100.0 * negative / nullif(mentions, 0), 1) as negative_pct,
        round(100.0 * (positive - negative) / nullif(mentions, 0), 1) as net_sentiment,
        round(100.0 * mentions / nullif(sum(mentions) over (), 0), 1) as share_of_voice_pct
    from totals
)

select * from final order by mentions desc, brand
