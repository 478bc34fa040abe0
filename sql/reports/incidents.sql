-- Incidents of $brand that overlap the UTC day $day, with their explanation.
select incident_id, metric, start_at, end_at, peak_at, peak_value, baseline, score,
    explanation
from incidents
where brand = $brand
    and start_at < cast($day as timestamp) + interval 1 day
    and end_at > cast($day as timestamp)
order by start_at
