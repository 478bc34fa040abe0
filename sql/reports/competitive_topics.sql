-- Terms on which a competitor gains or loses against $brand over [$start, $end]: for each
-- term discussed at least $min_mentions times about both, the net sentiment (positive minus
-- negative share, in points) of the competitor minus that of $brand. A positive gap means
-- the competitor is better received on that term ("gains"), a negative one that it "loses".
-- Duplicates and spam are left out; a term counts once per mention. $limit rows per side.
-- Terms made only of $stopwords (EN and FR, folded: lowercase, no accents) are left out too:
-- topics stored before a stopword was listed must not become a "gain" on "the" or "avec".
with scoped as (
    select mention_id, brand, sentiment_label, topics
    from mentions
    where brand in (select unnest(cast($brands as varchar[])))
        and not is_duplicate
        and not coalesce(list_contains(flags, 'spam'), false)
        and published_at >= cast($start as timestamp)
        and published_at < cast($end as timestamp) + interval 1 day
),

terms as (
    select distinct mention_id, brand, sentiment_label, term
    from (select *, unnest(topics) as term from scoped)
    where term is not null and term <> ''
),

per_brand as (
    select
        brand,
        term,
        count(*) as mentions,
        count(*) filter (where sentiment_label = 'positive') as positive,
        count(*) filter (where sentiment_label = 'negative') as negative
    from terms
    group by brand, term
    having count(*) >= $min_mentions
),

stopwords as (
    select unnest(cast($stopwords as varchar[])) as word
),

-- Set-based, once per distinct term: a per-row list test against the stopword list is
-- pushed down to the scan and costs a minute on a million mentions.
stopword_terms as (
    select term
    from (select term, unnest(string_split(term, ' ')) as word from per_brand)
    group by term
    having bool_and(strip_accents(lower(word)) in (select word from stopwords))
),

compared as (
    select
        c.brand as competitor,
        c.term,
        o.mentions as brand_mentions,
        o.positive as brand_positive,
        o.negative as brand_negative,
        round(100.0 * (o.positive - o.negative) / o.mentions, 1) as brand_net,
        c.mentions as competitor_mentions,
        c.positive as competitor_positive,
        c.negative as competitor_negative,
        round(100.0 * (c.positive - c.negative) / c.mentions, 1) as competitor_net
    from per_brand as c
    inner join per_brand as o on o.term = c.term and o.brand = $brand
    where c.brand <> $brand
        and c.term not in (select term from stopword_terms)
),

ranked as (
    select
        *,
        round(competitor_net - brand_net, 1) as gap,
        case when competitor_net > brand_net then 'gains' else 'loses' end as side,
        row_number() over (
            partition by competitor, competitor_net > brand_net
            order by abs(competitor_net - brand_net) desc, competitor_mentions desc, term
        ) as rank
    from compared
    where competitor_net <> brand_net
)

select * exclude (rank) from ranked
where rank <= $limit
order by competitor, side, abs(gap) desc, term
