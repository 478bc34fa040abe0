-- Processed batches landed before $before, whose landing folders retention may delete.
select batch_id, landing_path from ingest_ledger where landed_at < $before
