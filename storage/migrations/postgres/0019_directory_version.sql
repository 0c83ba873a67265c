-- 0019: the version of the notification directory.
--
-- On SQLite the committer keeps the audience of notifications in memory and
-- triggers bump this version on every change of what it holds
-- (storage/directory.go). PostgreSQL has no committer: each transaction
-- reads the audience with its own queries, nothing reads this table, and it
-- has no triggers, so that account changes do not all queue on one row
-- lock. It is created so that both schemas have the same tables.
CREATE TABLE directory_version (
    id      integer PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 1);
