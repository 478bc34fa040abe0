insert into raw_records by name select * from batch_raw_records
