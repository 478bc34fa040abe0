-- Daily mart rows for the days in $days (a list of dates), for every brand seen on them.
-- Mentions and sentiment count a duplicate cluster once; reach and engagement add up the copies.
insert into mart_brand_daily
with days as (
    select unnest(cast($days as date[])) as day
),

mentions_of_days as (
    select
        m.brand,
        m.is_competitor,
        cast(m.published_at as date) as day,
        m.author_id,
        m.is_duplicate,
        m.sentiment_label,
        m.sentiment_compound,
        coalesce(m.reach_estimate, 0) as reach,
        coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.comments, 0) as engagement
    from mentions as m
    where m.brand is not null
        and cast(m.published_at as date) in (select day from days)
        -- A brand's own posts and replies are not mentions of it (own_accounts: watchlist).
        and not exists (
            select 1 from own_accounts as o
            where o.source = m.source and o.author_id = m.author_id
        )
),

first_seen as (
    select m.brand, m.author_id, min(cast(m.published_at as date)) as first_day
    from mentions as m
    where m.author_id in (select author_id from mentions_of_days)
    group by m.brand, m.author_id
),

per_brand as (
    select
        d.brand,
        bool_or(d.is_competitor) as is_competitor,
        d.day,
        count(*) filter (where not d.is_duplicate) as mentions,
        count(*) filter (where d.is_duplicate) as duplicates,
        sum(d.reach) as reach,
        sum(d.engagement) as engagement,
        count(*) filter (where not d.is_duplicate and d.sentiment_label = 'positive') as positive,
        count(*) filter (where not d.is_duplicate and d.sentiment_label = 'neutral') as neutral,
        count(*) filter (where not d.is_duplicate and d.sentiment_label = 'negative') as negative,
        -- summed as decimals: a double sum depends on the order threads add it up in,
        -- and a rerun or a backfill must give the very same mart
        avg(cast(d.sentiment_compound as decimal(18, 6))) filter (where not d.is_duplicate)
            as avg_compound,
        count(distinct d.author_id) as authors,
        count(distinct d.author_id) filter (where f.first_day = d.day) as new_authors
    from mentions_of_days as d
    left join first_seen as f on f.brand = d.brand and f.author_id = d.author_id
    group by d.brand, d.day
),

final as (
    select
        brand,
        is_competitor,
        day,
        mentions,
        duplicates,
        reach,
        engagement,
        positive,
        neutral,
        negative,
        round(100.0 * (positive - negative) / nullif(mentions, 0), 1) as net_sentiment,
        avg_compound,
        authors,
        new_authors,
        mentions / nullif(sum(mentions) over (partition by day), 0) as share_of_voice
    from per_brand
)

select * from final
