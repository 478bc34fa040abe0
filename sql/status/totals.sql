-- Store-wide figures for `vigie status`.
select
    (select count(*) from ingest_ledger) as batches,
    (select count(*) from ingest_ledger where received <> loaded + duplicates + quarantined)
        as unbalanced,
    (select coalesce(sum(received), 0) from ingest_ledger) as received,
    (select coalesce(sum(loaded), 0) from ingest_ledger) as loaded,
    (select coalesce(sum(duplicates), 0) from ingest_ledger) as duplicates,
    (select coalesce(sum(quarantined), 0) from ingest_ledger) as quarantined,
    (select count(*) from mentions) as mentions,
    (select count(*) from quarantine) as quarantine_rows,
    (select max(published_at) from mentions) as latest_mention
