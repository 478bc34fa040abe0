-- Brands present in the marts, own brands first: the default when no watchlist names them.
select brand, bool_or(is_competitor) as is_competitor
from mart_brand_daily
group by brand
order by is_competitor, brand
