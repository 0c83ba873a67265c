-- 0021: the change log of the notification directory.
--
-- On SQLite triggers record in it which row of the notification audience
-- changed, so that the committer reads again only those rows
-- (storage/directory.go). PostgreSQL has no committer, nothing writes or
-- reads this table, and it has no triggers. It is created so that both
-- schemas have the same tables.
CREATE TABLE directory_changes (
    version bigint NOT NULL,
    entity  text NOT NULL,
    row_key text
);
CREATE INDEX directory_changes_version ON directory_changes (version);
