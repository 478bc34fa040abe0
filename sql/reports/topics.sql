-- Topics (key terms and bigrams) of $brand's mentions of sentiment $label: counts on $day and
-- over the 7 days before, with the day's most reached mention of each term as its sample.
-- Every term of either period is returned (rising terms compare shares of both periods).
-- Duplicates and spam are left out; a term counts once per mention.
with scoped as (
    select
        mention_id,
        published_at,
        source,
        author_name,
        text,
        url,
        coalesce(reach_estimate, 0) as reach,
        topics
    from mentions
    where brand = $brand
        and not is_duplicate
        and sentiment_label = $label
        and not coalesce(list_contains(flags, 'spam'), false)
        and published_at >= cast($day as timestamp) - interval 7 day
        and published_at < cast($day as timestamp) + interval 1 day
),

terms as (
    select distinct mention_id, published_at, source, author_name, text, url, reach, term
    from (select *, unnest(topics) as term from scoped)
    where term is not null and term <> ''
),

counts as (
    select
        term,
        count(*) filter (where published_at >= cast($day as timestamp)) as mentions,
        count(*) filter (where published_at < cast($day as timestamp)) as previous
    from terms
    group by term
),

samples as (
    select
        term,
        text as sample_text,
        url as sample_url,
        source as sample_source,
        author_name as sample_author,
        row_number() over (
            partition by term order by reach desc, published_at desc, mention_id
        ) as rank
    from terms
    where published_at >= cast($day as timestamp)
),

final as (
    select
        c.term,
        c.mentions,
        c.previous,
        s.sample_text,
        s.sample_url,
        s.sample_source,
        s.sample_author
    from counts as c
    left join samples as s on s.term = c.term and s.rank = 1
)

select * from final order by mentions desc, previous desc, term
