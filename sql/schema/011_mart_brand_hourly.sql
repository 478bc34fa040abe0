-- Hourly aggregates per brand: the series spike detection and the hourly chart read.
create table if not exists mart_brand_hourly (
    brand         varchar   not null,
    is_competitor boolean   not null,
    hour          timestamp not null,
    mentions      bigint    not null,
    reach         bigint    not null,
    positive      bigint    not null,
    neutral       bigint    not null,
    negative      bigint    not null,
    negative_reach bigint   not null,
    primary key (brand, hour)
);
