insert into ingest_ledger (
    batch_id, source, query_id, window_start, window_end, landing_path, landed_at,
    processed_at, received, loaded, duplicates, quarantined
) values (
    $batch_id, $source, $query_id, $window_start, $window_end, $landing_path, $landed_at,
    $processed_at, $received, $loaded, $duplicates, $quarantined
)
