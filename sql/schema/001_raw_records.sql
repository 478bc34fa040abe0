-- Every item exactly as the source gave it, kept for replay and audit. Times are UTC.
create table if not exists raw_records (
    batch_id     varchar   not null,
    seq          integer   not null,
    source       varchar   not null,
    source_id    varchar,
    fetched_at   timestamp not null,
    window_start timestamp,
    window_end   timestamp,
    payload      json,
    primary key (batch_id, seq)
);
