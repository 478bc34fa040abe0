-- Records that could not become mentions, with the raw payload and the reason.
create table if not exists quarantine (
    batch_id       varchar   not null,
    seq            integer   not null,
    source         varchar   not null,
    reason         varchar   not null,
    stage          varchar   not null, -- split | map | match | validate | erased: where it stopped
    payload        json,
    quarantined_at timestamp not null,
    primary key (batch_id, seq)
);
