-- Insert an incident or update a continuing one; its delivery state is kept as it is.
-- A continuing incident whose main metric changed (volume first, then negatives) takes the
-- new metric's peak: peaks of different metrics are not comparable.
insert into incidents (
    incident_id, brand, metric, start_at, end_at, peak_at, peak_value, baseline, score,
    explanation, delivery, created_at, updated_at
) values (
    $incident_id, $brand, $metric, $start_at, $end_at, $peak_at, $peak_value, $baseline,
    $score, $explanation, '{}', $now, $now
)
on conflict (incident_id) do update set
    metric = excluded.metric,
    start_at = least(incidents.start_at, excluded.start_at),
    end_at = greatest(incidents.end_at, excluded.end_at),
    peak_at = case when excluded.metric <> incidents.metric
        or excluded.peak_value > incidents.peak_value
        then excluded.peak_at else incidents.peak_at end,
    peak_value = case when excluded.metric <> incidents.metric then excluded.peak_value
        else greatest(incidents.peak_value, excluded.peak_value) end,
    baseline = excluded.baseline,
    score = case when excluded.metric <> incidents.metric then excluded.score
        else greatest(incidents.score, excluded.score) end,
    explanation = excluded.explanation,
    updated_at = excluded.updated_at
