-- Raw payloads fetched before $before: the retention setting removes them.
delete from raw_records where fetched_at < $before
