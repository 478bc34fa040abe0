-- The unanswered queue of $brand: negative mentions published in [$since, $before) (that is,
-- waiting longer than the configured hours at $as_of), on sources where the brand has an own
-- account, not written by it, that none of its own accounts has replied to. Oldest first.
with own as (
    select source, author_id
    from own_accounts
    where brand = $brand
),

replied as (
    select distinct r.source, r.reply_to
    from mentions as r
    inner join own as o on o.source = r.source and o.author_id = r.author_id
    where r.reply_to is not null
),

waiting as (
    select
        m.published_at,
        round(epoch(cast($as_of as timestamp) - m.published_at) / 3600.0, 1) as hours_waiting,
        m.source,
        m.author_name,
        coalesce(m.reach_estimate, 0) as reach,
        m.sentiment_label,
        m.text,
        m.url
    from mentions as m
    where m.brand = $brand
        and m.sentiment_label = 'negative'
        and calls_for_response(m.flags, m.sentiment_label, m.is_duplicate)
        and m.published_at >= cast($since as timestamp)
        and m.published_at < cast($before as timestamp)
        and m.source in (select source from own)
        and not exists (
            select 1 from own as o where o.source = m.source and o.author_id = m.author_id
        )
        and not exists (
            select 1 from replied as r where r.source = m.source and r.reply_to = m.source_id
        )
)

select * from waiting
order by published_at, source
limit $limit
