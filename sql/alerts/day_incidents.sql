-- The incidents of one UTC day, for a digest: those that started in [$day_start, $day_end).
select
    incident_id,
    brand,
    metric,
    start_at,
    end_at,
    peak_at,
    peak_value,
    baseline,
    score,
    explanation,
    delivery,
    created_at
from incidents
where start_at >= $day_start and start_at < $day_end
order by start_at, incident_id
