select author_id from purged_authors
