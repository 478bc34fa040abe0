-- Daily aggregates per brand; rebuilt for the days a batch touches (sql/marts/brand_daily.sql).
create table if not exists mart_brand_daily (
    brand          varchar not null,
    is_competitor  boolean not null,
    day            date    not null,
    mentions       bigint  not null,
    duplicates     bigint  not null,
    reach          bigint  not null,
    engagement     bigint  not null,
    positive       bigint  not null,
    neutral        bigint  not null,
    negative       bigint  not null,
    net_sentiment  double,
    avg_compound   double,
    authors        bigint  not null,
    new_authors    bigint  not null,
    share_of_voice double,
    primary key (brand, day)
);
