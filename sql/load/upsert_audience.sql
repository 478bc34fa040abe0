-- Follower snapshots from landed audience files (pipelines/audience.py): one row per
-- (source, account, UTC day), the latest observation of the day wins. A rerun over the same
-- files changes nothing; a watchlist edit re-attributes the brand of an unchanged snapshot.
insert into audience_snapshots by name
select * from batch_audience
qualify row_number() over (
    partition by source, account_id, day order by observed_at desc, followers desc
) = 1
on conflict (source, account_id, day) do update set
    account_name = excluded.account_name,
    brand = excluded.brand,
    is_competitor = excluded.is_competitor,
    followers = excluded.followers,
    observed_at = excluded.observed_at
where excluded.observed_at > audience_snapshots.observed_at
    or (
        excluded.observed_at = audience_snapshots.observed_at
        and (
            excluded.brand is distinct from audience_snapshots.brand
            or excluded.is_competitor is distinct from audience_snapshots.is_competitor
        )
    )
