-- Authors erased on request (GDPR), as keyed pseudonyms only: processing refuses to store
-- their records again if a later collection brings them back.
create table if not exists purged_authors (
    author_id varchar   primary key,
    purged_at timestamp not null
);
