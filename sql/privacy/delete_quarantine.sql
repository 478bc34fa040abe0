-- Quarantined payloads in which the author appears as a whole JSON string value.
delete from quarantine
where exists (
    select 1 from (select unnest(cast($names as varchar[])) as name) as n
    where contains(lower(cast(payload as varchar)), '"' || n.name || '"')
)
