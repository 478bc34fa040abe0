-- Net new followers per day of the own accounts of each brand in $brands over
-- [$start, $end] (days without two consecutive snapshots are null), with the followers
-- of the accounts observed that day.
with days as (
    select cast(range as date) as day
    from range(cast($start as date), cast($end as date) + interval 1 day, interval 1 day)
),

brands as (
    select unnest(cast($brands as varchar[])) as brand
),

snaps as (
    select
        s.brand,
        s.day,
        s.followers,
        s.followers - lag(s.followers) over (
            partition by s.source, s.account_id order by s.day
        ) as net_new
    from audience_snapshots as s
    where s.brand in (select brand from brands)
        and s.day <= cast($end as date)
),

final as (
    select
        d.day,
        b.brand,
        sum(s.followers) as followers,
        sum(s.net_new) as net_new
    from days as d
    cross join brands as b
    left join snaps as s on s.day = d.day and s.brand = b.brand
    group by d.day, b.brand
)

select * from final order by day, brand
