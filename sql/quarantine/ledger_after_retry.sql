-- Move released records from "quarantined" to "loaded" or "duplicates" in their batch's row:
-- the ledger keeps adding up (and its check constraint says so).
update ingest_ledger as l
set
    loaded = l.loaded + d.loaded,
    duplicates = l.duplicates + d.duplicates,
    quarantined = l.quarantined - d.loaded - d.duplicates
from retry_delta as d
where l.batch_id = d.batch_id
