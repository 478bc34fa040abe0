-- Spikes of the brands in $brands over [$start, $end]: the competitors' bad (or big) days.
select brand, start_at, end_at, peak_value, baseline, score,
    json_extract(explanation, '$.volume.mentions') as mentions
from incidents
where brand in (select unnest(cast($brands as varchar[])))
    and start_at < cast($end as timestamp) + interval 1 day
    and end_at > cast($start as timestamp)
order by start_at desc
