-- The delivery state of one incident, re-read just before it is updated.
select delivery
from incidents
where incident_id = $incident_id
