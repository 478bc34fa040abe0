-- Follower growth of the own accounts of $brands up to $end: per account and, in the rows
-- where is_total, per brand. net_new_* add up day-to-day changes between consecutive
-- snapshots of an account (a gap's change counts on the day after it); the period is
-- [$start, $end] and the month is the calendar month of $end. growth_pct = net new over the
-- period / followers at its start (the last snapshot before it, else the first inside it).
with brands as (
    select unnest(cast($brands as varchar[])) as brand
),

snaps as (
    select
        s.brand,
        s.source,
        s.account_id,
        s.account_name,
        s.day,
        s.followers,
        s.followers - lag(s.followers) over (
            partition by s.source, s.account_id order by s.day
        ) as net_new
    from audience_snapshots as s
    where s.brand in (select brand from brands)
        and s.day <= cast($end as date)
),

per_account as (
    select
        brand,
        source,
        account_id,
        arg_max(account_name, day) as account_name,
        max(day) as last_day,
        arg_max(followers, day) as followers,
        sum(net_new) filter (where day = cast($end as date)) as net_new_day,
        sum(net_new) filter (
            where day >= date_trunc('month', cast($end as date))
        ) as net_new_month,
        sum(net_new) filter (where day >= cast($start as date)) as net_new_period,
        coalesce(
            arg_max(followers, day) filter (where day < cast($start as date)),
            arg_min(followers, day) filter (where day >= cast($start as date))
        ) as baseline
    from snaps
    group by brand, source, account_id
),

final as (
    select
        brand,
        grouping(source) = 1 as is_total,
        source,
        account_id,
        any_value(account_name) as account_name,
        max(last_day) as last_day,
        sum(followers) as followers,
        sum(net_new_day) as net_new_day,
        sum(net_new_month) as net_new_month,
        sum(net_new_period) as net_new_period,
        round(100.0 * sum(net_new_period) / nullif(sum(baseline), 0), 2) as growth_pct
    from per_account
    group by grouping sets ((brand, source, account_id), (brand))
)

select * from final
order by brand, is_total desc, source, account_id
