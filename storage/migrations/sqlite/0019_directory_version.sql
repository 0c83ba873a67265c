-- 0019: the version of the notification directory (storage/directory.go).
--
-- The SQLite committer keeps in memory what a notification's fan-out reads
-- (enabled accounts, delegations, opt-outs, webhooks), tagged with the
-- version it was read at, and checks the version in the change's own
-- transaction before each use. These triggers bump it on every change of
-- those rows, whoever makes it (the server, the CLI, another process on the
-- same file), in the changing transaction: a rolled-back change rolls its
-- bump back with it.
--
-- A later migration that rebuilds one of these tables (CREATE new, copy,
-- DROP, RENAME) drops its triggers and must create them again; the
-- committer checks that they are all present whenever the schema changes,
-- and reads the tables directly while one is missing.
CREATE TABLE directory_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO directory_version (id, version) VALUES (1, 1);

-- users: only the columns the fan-out reads; a sign-in (failed_sign_ins,
-- locked_until) or a password change does not empty the directory.
CREATE TRIGGER directory_users_insert AFTER INSERT ON users
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_users_delete AFTER DELETE ON users
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_users_update AFTER UPDATE ON users
WHEN OLD.id IS NOT NEW.id OR OLD.username IS NOT NEW.username OR OLD.email IS NOT NEW.email
    OR OLD.roles IS NOT NEW.roles OR OLD.nation IS NOT NEW.nation OR OLD.disabled_at IS NOT NEW.disabled_at
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER directory_delegations_insert AFTER INSERT ON delegations
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_delegations_delete AFTER DELETE ON delegations
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_delegations_update AFTER UPDATE ON delegations
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER directory_optouts_insert AFTER INSERT ON notification_optouts
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_optouts_delete AFTER DELETE ON notification_optouts
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_optouts_update AFTER UPDATE ON notification_optouts
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;

CREATE TRIGGER directory_webhooks_insert AFTER INSERT ON webhooks
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_webhooks_delete AFTER DELETE ON webhooks
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
CREATE TRIGGER directory_webhooks_update AFTER UPDATE ON webhooks
BEGIN UPDATE directory_version SET version = version + 1 WHERE id = 1; END;
