-- Hourly negative-mention counts of $brand over [$start, $end): the series the detector reads.
select hour, negative
from mart_brand_hourly
where brand = $brand and hour >= $start and hour < $end
order by hour
