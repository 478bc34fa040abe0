-- Net new followers per calendar month of the own accounts of each brand in $brands, for
-- the months from $start to $end (dates inside the first and last month).
with brands as (
    select unnest(cast($brands as varchar[])) as brand
),

snaps as (
    select
        s.brand,
        s.day,
        s.followers - lag(s.followers) over (
            partition by s.source, s.account_id order by s.day
        ) as net_new
    from audience_snapshots as s
    where s.brand in (select brand from brands)
        and s.day <= cast($end as date)
),

final as (
    select
        cast(date_trunc('month', day) as date) as month,
        brand,
        sum(net_new) as net_new
    from snaps
    where day >= date_trunc('month', cast($start as date))
    group by all
)

select * from final order by month, brand
