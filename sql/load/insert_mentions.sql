-- New mentions only: the anti-join keeps the load idempotent on mention_id.
insert into mentions by name
select * from batch_mentions
where mention_id not in (select mention_id from mentions)
