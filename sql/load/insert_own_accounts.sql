-- The watchlist's own accounts (pipelines/community.py builds batch_own_accounts).
insert into own_accounts by name
select * from batch_own_accounts
