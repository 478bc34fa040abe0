-- Mentions of $brand published on $day that needed an answer, each with its first answer.
-- Needing an answer: what needs_response.sql lists (calls_for_response(), see
-- sql/schema/014_community.sql), not written by one of the brand's own accounts, on a source
-- where the brand has an own account (elsewhere it cannot answer in the thread).
-- Answered: an own account of the brand posted an item whose reply_to is the mention's
-- source_id on the same source; the first such reply gives the response time.
with own as (
    select source, author_id
    from own_accounts
    where brand = $brand
),

needing as (
    select
        m.mention_id,
        m.source,
        m.source_id,
        m.published_at,
        m.author_name,
        m.sentiment_label,
        m.flags,
        m.text,
        m.url
    from mentions as m
    where m.brand = $brand
        and m.published_at >= cast($day as timestamp)
        and m.published_at < cast($day as timestamp) + interval 1 day
        and m.source in (select source from own)
        and calls_for_response(m.flags, m.sentiment_label, m.is_duplicate)
        and not exists (
            select 1 from own as o where o.source = m.source and o.author_id = m.author_id
        )
),

first_replies as (
    select
        r.source,
        r.reply_to,
        min(r.published_at) as answered_at
    from mentions as r
    inner join own as o on o.source = r.source and o.author_id = r.author_id
    where r.reply_to is not null
        and r.source in (select source from needing)
        and r.reply_to in (select source_id from needing)
    group by r.source, r.reply_to
),

final as (
    select
        n.published_at,
        n.source,
        n.source_id,
        n.author_name,
        n.sentiment_label,
        n.flags,
        f.answered_at,
        f.answered_at is not null as answered,
        -- A reply timed before its mention (clock skew between platforms) counts as instant.
        -- (greatest() skips NULLs: an unanswered mention must stay NULL, not 0 minutes.)
        case
            when f.answered_at is not null
                then round(greatest(epoch(f.answered_at - n.published_at) / 60.0, 0), 1)
        end as response_minutes,
        n.text,
        n.url
    from needing as n
    left join first_replies as f on f.source = n.source and f.reply_to = n.source_id
)

select * from final order by published_at, source, source_id
