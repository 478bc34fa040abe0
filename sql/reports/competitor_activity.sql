-- What the competitors' own accounts posted over [$start, $end], per competitor, source and
-- account, with the engagement those posts got. An own account is an author whose name, less
-- a leading '@' and case, is one of the competitor's account names: $account_names[i] belongs
-- to $account_brands[i] (the watchlist handles without '@', the name, "<name> official").
-- Every stored post counts, duplicates included: a cross-post is one post per platform.
with accounts as (
    select
        unnest(cast($account_brands as varchar[])) as brand,
        unnest(cast($account_names as varchar[])) as account
),

posts as (
    select
        a.brand,
        m.source,
        m.author_name,
        m.published_at,
        coalesce(m.likes, 0) as likes,
        coalesce(m.shares, 0) as shares,
        coalesce(m.comments, 0) as comments,
        coalesce(m.reach_estimate, 0) as reach
    from mentions as m
    inner join accounts as a
        on lower(ltrim(trim(m.author_name), '@')) = a.account
    where m.published_at >= cast($start as timestamp)
        and m.published_at < cast($end as timestamp) + interval 1 day
),

final as (
    select
        brand,
        source,
        any_value(author_name) as account,
        count(*) as posts,
        sum(likes) as likes,
        sum(shares) as shares,
        sum(comments) as comments,
        sum(likes + shares + comments) as engagement,
        round(sum(likes + shares + comments) / count(*), 1) as engagement_per_post,
        sum(reach) as reach
    from posts
    group by brand, source, lower(ltrim(trim(author_name), '@'))
)

select * from final order by brand, posts desc, engagement desc, source
