delete from mentions where mention_id in (select mention_id from purge_targets)
