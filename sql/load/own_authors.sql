-- The brands' and competitors' own accounts: their posts and answers are not floods,
-- however many there are in a batch.
select source, author_id
from own_accounts
