-- Mentions of $brand on $day that call for a response: flagged needs_reply, or negative.
-- Ranked by priority = ln(1 + reach) * exp(-age / 72 h) * (1.25 if flagged needs_reply), age
-- measured from the end of the day: a large audience, a recent post and a reply flag raise it.
-- A near-duplicate cluster shows once, as its original, with the reach of all its copies
-- published so far and how many there are.
with clusters as (
    select
        coalesce(dup_cluster_id, mention_id) as cluster_id,
        sum(coalesce(reach_estimate, 0)) as reach,
        count(*) - 1 as copies
    from mentions
    where brand = $brand and published_at < cast($day as timestamp) + interval 1 day
    group by cluster_id
),

candidates as (
    select
        published_at,
        source,
        author_name,
        lang,
        coalesce(c.reach, m.reach_estimate, 0) as reach,
        coalesce(c.copies, 0) as copies,
        sentiment_label,
        sentiment_compound,
        coalesce(list_contains(flags, 'needs_reply'), false) as needs_reply,
        array_to_string(coalesce(flags, cast([] as varchar[])), ' ') as flags,
        coalesce(title, '') as title,
        text,
        url
    from mentions as m
    left join clusters as c on c.cluster_id = coalesce(m.dup_cluster_id, m.mention_id)
    where brand = $brand
        -- flagged needs_reply or negative, not a copy, not spam (sql/schema/014_community.sql)
        and calls_for_response(flags, sentiment_label, is_duplicate)
        -- the brand's own replies are answers, not requests
        and not exists (
            select 1 from own_accounts as o
            where o.brand = $brand and o.source = m.source and o.author_id = m.author_id
        )
        and published_at >= cast($day as timestamp)
        and published_at < cast($day as timestamp) + interval 1 day
),

final as (
    select
        *,
        round(
            ln(1 + reach)
            * (case when needs_reply then 1.25 else 1.0 end)
            * exp(
                -epoch(cast($day as timestamp) + interval 1 day - published_at) / (3 * 86400.0)
            ),
            3
        ) as priority
    from candidates
)

select * from final
order by priority desc, reach desc, published_at desc
limit $limit
