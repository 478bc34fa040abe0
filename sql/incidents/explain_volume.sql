-- Volume and negative share of $brand inside [$start, $end) against the 7 days before.
with window_mentions as (
    select sentiment_label
    from mentions
    where brand = $brand and not is_duplicate and published_at >= $start and published_at < $end
),

before as (
    select sentiment_label
    from mentions
    where brand = $brand and not is_duplicate
        and published_at >= $start - interval 7 day and published_at < $start
)

select
    (select count(*) from window_mentions) as mentions,
    (select count(*) from window_mentions where sentiment_label = 'negative') as negative,
    (select count(*) from before) / (7 * 24.0) * (epoch($end) - epoch($start)) / 3600.0
        as expected_mentions,
    (select count(*) filter (where sentiment_label = 'negative') / nullif(count(*), 0)
     from window_mentions) as negative_share,
    (select count(*) filter (where sentiment_label = 'negative') / nullif(count(*), 0)
     from before) as negative_share_before
