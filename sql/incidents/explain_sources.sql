-- Where the mentions of $brand inside [$start, $end) come from.
select source, count(*) as mentions
from mentions
where brand = $brand and not is_duplicate and published_at >= $start and published_at < $end
group by source
order by mentions desc, source
