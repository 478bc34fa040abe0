-- Response rate and first-response times over response_rows (one row per mention that needed
-- an answer: answered, response_minutes, business_minutes; see pipelines/community.py).
select
    count(*) as needing,
    count(*) filter (where answered) as answered,
    count(*) filter (where not answered) as unanswered,
    round(100.0 * count(*) filter (where answered) / nullif(count(*), 0), 1) as response_rate_pct,
    round(quantile_cont(response_minutes, 0.5) filter (where answered), 1) as median_minutes,
    round(quantile_cont(response_minutes, 0.9) filter (where answered), 1) as p90_minutes,
    round(quantile_cont(business_minutes, 0.5) filter (where answered), 1)
        as median_business_minutes,
    round(quantile_cont(business_minutes, 0.9) filter (where answered), 1) as p90_business_minutes
from response_rows
