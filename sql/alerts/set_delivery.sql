-- Store the delivery state (one entry per channel name) of one incident.
update incidents
set delivery = $delivery::json
where incident_id = $incident_id
