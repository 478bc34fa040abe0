-- How many own-account ids $brand has in the watchlist (0: no owned channel configured).
select count(*) as accounts
from own_accounts
where brand = $brand
