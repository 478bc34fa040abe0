-- What an interrupted run of a large batch committed: the last record it covered (records
-- up to it are skipped on resume) and how many parts ("<batch>~<n>" ledger rows) it wrote.
select
    coalesce((select max(seq) from raw_records where batch_id = $batch_id), 0) as resume_after,
    (select count(*) from ingest_ledger where starts_with(batch_id, $batch_id || '~')) as parts
