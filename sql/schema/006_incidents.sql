-- Spikes of negative sentiment (or volume), with their explanation and delivery per channel.
create table if not exists incidents (
    incident_id varchar   primary key,
    brand       varchar   not null,
    metric      varchar   not null,
    start_at    timestamp not null,
    end_at      timestamp not null,
    peak_at     timestamp not null,
    peak_value  double,
    baseline    double,
    score       double,
    explanation json,
    delivery    json,
    created_at  timestamp not null,
    updated_at  timestamp not null
);
