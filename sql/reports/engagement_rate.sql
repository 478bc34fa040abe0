-- Engagement rate of each post by an own account of $brands over [$start, $end]:
-- (likes + shares + comments) / followers of the account on the post's day (the latest
-- snapshot on or before it), in percent. Replies (reply_to set) are answers, not posts.
with own as (
    select source, author_id, account, brand, is_competitor
    from own_accounts
    where brand in (select unnest(cast($brands as varchar[])))
),

posts as (
    select
        o.brand,
        o.is_competitor,
        m.source,
        o.account,
        lower(ltrim(trim(o.account), '@')) as account_key,
        m.published_at,
        cast(m.published_at as date) as day,
        coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.comments, 0) as interactions,
        m.text,
        m.url
    from mentions as m
    inner join own as o on o.source = m.source and o.author_id = m.author_id
    where m.reply_to is null
        and m.published_at >= cast($start as timestamp)
        and m.published_at < cast($end as timestamp) + interval 1 day
),

snaps as (
    select
        source,
        lower(ltrim(trim(account_id), '@')) as account_key,
        day,
        followers
    from audience_snapshots
),

final as (
    select
        p.brand,
        p.is_competitor,
        p.source,
        p.account,
        p.published_at,
        p.interactions,
        s.followers,
        round(100.0 * p.interactions / nullif(s.followers, 0), 3) as engagement_rate_pct,
        p.text,
        p.url
    from posts as p
    asof left join snaps as s
        on s.source = p.source and s.account_key = p.account_key and s.day <= p.day
)

select * from final order by brand, published_at, source
