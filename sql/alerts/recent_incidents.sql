-- Incidents that may still need an alert: those that ended at or after $since (all when null).
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
where $since::timestamp is null or end_at >= $since::timestamp
order by start_at, incident_id
