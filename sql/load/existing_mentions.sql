-- Which of the batch's mention ids are already stored (exact duplicates across batches).
select mention_id from mentions where mention_id in (select mention_id from batch_mentions)
