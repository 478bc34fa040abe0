-- Remove the daily mart rows of the days in $days before they are rebuilt.
delete from mart_brand_daily where day in (select unnest(cast($days as date[])))
