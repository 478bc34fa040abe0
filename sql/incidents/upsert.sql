-- Insert an incident or update a continuing one; its delivery state is kept as it is.
insert into incidents (
    incident_id, brand, metric, start_at, end_at, peak_at, peak_value, baseline, score,
    explanation, delivery, created_at, updated_at
) values (
    $incident_id, $brand, $metric, $start_at, $end_at, $peak_at, $peak_value, $baseline,
    $score, $explanation, '{}', $now, $now
)
on conflict (incident_id) do update set
    start_at = least(incidents.start_at, excluded.start_at),
    end_at = greatest(incidents.end_at, excluded.end_at),
    peak_at = case when excluded.peak_value > incidents.peak_value
        then excluded.peak_at else incidents.peak_at end,
    peak_value = greatest(incidents.peak_value, excluded.peak_value),
    baseline = excluded.baseline,
    score = greatest(incidents.score, excluded.score),
    explanation = excluded.explanation,
    updated_at = excluded.updated_at
