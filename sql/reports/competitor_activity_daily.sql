-- Posts and engagement per day of each competitor's own accounts over [$start, $end], empty
-- days filled. Own accounts as in competitor_activity.sql.
with days as (
    select cast(range as date) as day
    from range(cast($start as date), cast($end as date) + interval 1 day, interval 1 day)
),

accounts as (
    select
        unnest(cast($account_brands as varchar[])) as brand,
        unnest(cast($account_names as varchar[])) as account
),

brands as (
    select unnest(cast($brands as varchar[])) as brand
),

posts as (
    select
        a.brand,
        cast(m.published_at as date) as day,
        coalesce(m.likes, 0) + coalesce(m.shares, 0) + coalesce(m.comments, 0) as engagement
    from mentions as m
    inner join accounts as a
        on lower(ltrim(trim(m.author_name), '@')) = a.account
    where m.published_at >= cast($start as timestamp)
        and m.published_at < cast($end as timestamp) + interval 1 day
),

final as (
    select
        d.day,
        b.brand,
        count(p.day) as posts,
        coalesce(sum(p.engagement), 0) as engagement
    from days as d
    cross join brands as b
    left join posts as p on p.day = d.day and p.brand = b.brand
    group by d.day, b.brand
)

select * from final order by day, brand
