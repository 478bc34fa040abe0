-- Remove the hourly mart rows of the days in $days before they are rebuilt.
delete from mart_brand_hourly where cast(hour as date) in (select unnest(cast($days as date[])))
