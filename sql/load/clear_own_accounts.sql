-- own_accounts is a mirror of the watchlist: emptied, then refilled in the same transaction.
delete from own_accounts
