-- Incremental position per (source, query); advanced only after a batch is safely landed.
create table if not exists connector_state (
    source          varchar   not null,
    query_id        varchar   not null,
    cursor          varchar,
    high_water_mark timestamp,
    last_window_end timestamp,
    last_success_at timestamp,
    primary key (source, query_id)
);
