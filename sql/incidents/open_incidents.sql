-- Incidents of $brand and $metric that a new detection may continue (cooldown included).
select incident_id, start_at, end_at, delivery
from incidents
where brand = $brand and metric = $metric and end_at + to_hours(cast($cooldown_hours as bigint)) >= $start
order by start_at
