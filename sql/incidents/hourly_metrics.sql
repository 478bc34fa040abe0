-- Hourly series of $brand over [$start, $end) that the detectors read: volume, negative
-- mentions (the main one; negative share is negative / mentions) and reach-weighted negatives.
select hour, mentions, negative, negative_reach
from mart_brand_hourly
where brand = $brand and hour >= $start and hour < $end
order by hour
