-- Incidents of $brand, whatever metric opened them, that a new detection may continue
-- (cooldown included): one story is one incident, alerted once.
select incident_id, metric, start_at, end_at, delivery
from incidents
where brand = $brand and end_at + to_hours(cast($cooldown_hours as bigint)) >= $start
order by start_at
