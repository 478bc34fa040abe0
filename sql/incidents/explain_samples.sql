-- The most reached negative mentions of $brand inside [$start, $end), with their links.
select text, url, source, author_name as author, coalesce(reach_estimate, 0) as reach,
    published_at
from mentions
where brand = $brand and not is_duplicate and sentiment_label = 'negative'
    and published_at >= $start and published_at < $end
order by reach desc, published_at
limit $limit
