-- Lookup keys of the newly signed mentions (`dedupe_keys`; the caller sends only new ones).
insert into mention_signature_keys by name
select * from dedupe_keys
