-- New signatures (`dedupe_signatures`). The caller leaves out the mentions already signed;
-- one that slipped through would break the primary key and fail the batch, loudly.
insert into mention_signatures by name
select * from dedupe_signatures
