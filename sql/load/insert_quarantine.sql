insert into quarantine by name select * from batch_quarantine
