-- Response tracking and audience growth (pipelines/community.py, pipelines/audience.py).
-- `alter ... if not exists` migrates stores created before these columns existed.

-- The source_id (same source) of the item a mention answers, when the platform says so.
alter table mentions add column if not exists reply_to varchar;

-- The brands' own accounts, refreshed from the watchlist by each `vigie process`: author_id
-- is the pseudonymized id the account's posts carry in mentions.author_id, so own-ness is
-- decided at query time and follows watchlist edits without rewriting mentions.
create table if not exists own_accounts (
    source        varchar not null,
    author_id     varchar not null,
    account       varchar not null, -- as written in the watchlist
    brand         varchar not null,
    is_competitor boolean not null,
    primary key (source, author_id)
);

-- Follower counts of own and competitor accounts, one row per account and UTC day: the
-- latest observation of the day wins.
create table if not exists audience_snapshots (
    source        varchar   not null,
    account_id    varchar   not null,
    account_name  varchar,
    brand         varchar,
    is_competitor boolean,
    day           date      not null,
    followers     bigint    not null,
    observed_at   timestamp not null,
    primary key (source, account_id, day)
);

-- What calls for a response from the brand, shared by needs_response.sql and the response
-- metrics so the two always agree: flagged needs_reply or negative, not a duplicate copy,
-- not spam.
create or replace macro calls_for_response(flags, sentiment_label, is_duplicate) as (
    not coalesce(is_duplicate, false)
    and not coalesce(list_contains(flags, 'spam'), false)
    and (coalesce(list_contains(flags, 'needs_reply'), false) or sentiment_label = 'negative')
);
