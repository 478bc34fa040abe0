-- Records quarantined before they could even be split out (unreadable JSON, a broken feed).
select count(*)
from quarantine
where stage = 'split'
    and ($batch_id is null or batch_id = $batch_id)
