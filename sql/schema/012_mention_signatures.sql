-- Near-duplicate signatures (pipelines/dedupe.py): one row per clustered mention, and its
-- lookup keys. Both tables are append-only except the cluster columns, which follow the
-- cluster's original when a backfill or a bridging copy changes it. Rows are appended in batch
-- order, so the published_at zone maps let a batch read only the row groups of its own time
-- window; DuckDB pushes the batch's keys into the scan of `key` as a Bloom filter.
create table if not exists mention_signatures (
    mention_id           varchar   primary key,
    published_at         timestamp not null,
    cluster_id           varchar   not null, -- the original's mention_id (mentions.dup_cluster_id)
    cluster_published_at timestamp not null, -- the original's published_at
    scheme               varchar   not null, -- normalization and LSH layout that made the keys
    tokens               integer   not null, -- words after normalization
    minhash              blob                -- low byte of each MinHash value; null when short
);

-- Exact normalized-text key and LSH band keys of each signed mention.
create table if not exists mention_signature_keys (
    key          bigint    not null,
    published_at timestamp not null,
    mention_id   varchar   not null
);
