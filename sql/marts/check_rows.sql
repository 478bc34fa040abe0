-- Daily mart rows of the days in $days, shaped for the mart quality gate.
select
    brand,
    day,
    mentions,
    share_of_voice,
    positive + neutral + negative - mentions as sentiment_gap
from mart_brand_daily
where day in (select unnest(cast($days as date[])))
