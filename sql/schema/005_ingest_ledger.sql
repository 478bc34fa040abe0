-- One row per processed batch. The check makes "nothing lost, nothing doubled" a constraint.
create table if not exists ingest_ledger (
    batch_id     varchar   primary key,
    source       varchar   not null,
    query_id     varchar   not null,
    window_start timestamp,
    window_end   timestamp,
    landing_path varchar   not null,
    landed_at    timestamp not null,
    processed_at timestamp not null,
    received     integer   not null,
    loaded       integer   not null,
    duplicates   integer   not null,
    quarantined  integer   not null,
    check (received = loaded + duplicates + quarantined)
);
