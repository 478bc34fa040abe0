-- Batches already processed: processing skips them, which makes reruns change nothing.
select batch_id from ingest_ledger
