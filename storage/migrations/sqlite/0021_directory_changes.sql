-- 0021: the change log of the notification directory (storage/directory.go).
--
-- Migration 0019's triggers bump directory_version on every change of the
-- rows the SQLite committer keeps in memory; the committer then read all of
-- them again, so that a bulk import of accounts between notifications cost
-- a read of every account per account. These triggers, which replace
-- 0019's under the same names, also record which row changed: one row of
-- directory_changes per change, under the version the change took, naming
-- the table and the row's id (for notification_optouts the account's id:
-- an account's opt-outs are read again together; an update that changes
-- the id records the old id too). The committer then reads again only the
-- rows recorded after the version it holds, when the log has every version
-- since; when one is missing (pruned, or a version bumped by something that
-- recorded nothing) it reads everything as before.
--
-- The log keeps the last 1000 versions: each change deletes what fell out.
-- A REPLACE that deletes a conflicting row fires no delete trigger (unless
-- recursive triggers are on); on webhooks, delegations and
-- notification_optouts the deleted row has the recorded key (their only
-- unique key is the primary key), and on users the two BEFORE triggers at
-- the end record any other account that holds the username an insert or
-- an update brings, under the version the change is about to take: the
-- account a REPLACE is going to delete is read again, and found gone,
-- whatever the row that took its name does next. (Were the statement to
-- fail, its trigger's row goes with it; were it ignored, OR IGNORE, the
-- row is ahead of the version, which the committer takes for a gap and
-- reads everything.)
--
-- A later migration that rebuilds one of these tables must create these
-- triggers again (see 0019).
CREATE TABLE directory_changes (
    version INTEGER NOT NULL,
    entity  TEXT NOT NULL, -- the table: users, delegations, notification_optouts, webhooks
    row_key TEXT           -- the row's id (the account's for opt-outs)
);
CREATE INDEX directory_changes_version ON directory_changes (version);

DROP TRIGGER IF EXISTS directory_users_insert;
CREATE TRIGGER directory_users_insert AFTER INSERT ON users
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'users', NEW.id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_users_delete;
CREATE TRIGGER directory_users_delete AFTER DELETE ON users
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'users', OLD.id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_users_update;
CREATE TRIGGER directory_users_update AFTER UPDATE ON users
WHEN OLD.id IS NOT NEW.id OR OLD.username IS NOT NEW.username OR OLD.email IS NOT NEW.email
    OR OLD.roles IS NOT NEW.roles OR OLD.nation IS NOT NEW.nation OR OLD.disabled_at IS NOT NEW.disabled_at
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'users', NEW.id FROM directory_version WHERE id = 1
        UNION ALL SELECT version, 'users', OLD.id FROM directory_version WHERE id = 1 AND OLD.id IS NOT NEW.id;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;

DROP TRIGGER IF EXISTS directory_delegations_insert;
CREATE TRIGGER directory_delegations_insert AFTER INSERT ON delegations
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'delegations', NEW.id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_delegations_delete;
CREATE TRIGGER directory_delegations_delete AFTER DELETE ON delegations
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'delegations', OLD.id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_delegations_update;
CREATE TRIGGER directory_delegations_update AFTER UPDATE ON delegations
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'delegations', NEW.id FROM directory_version WHERE id = 1
        UNION ALL SELECT version, 'delegations', OLD.id FROM directory_version WHERE id = 1 AND OLD.id IS NOT NEW.id;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;

DROP TRIGGER IF EXISTS directory_optouts_insert;
CREATE TRIGGER directory_optouts_insert AFTER INSERT ON notification_optouts
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'notification_optouts', NEW.user_id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_optouts_delete;
CREATE TRIGGER directory_optouts_delete AFTER DELETE ON notification_optouts
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'notification_optouts', OLD.user_id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_optouts_update;
CREATE TRIGGER directory_optouts_update AFTER UPDATE ON notification_optouts
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'notification_optouts', NEW.user_id FROM directory_version WHERE id = 1
        UNION ALL SELECT version, 'notification_optouts', OLD.user_id FROM directory_version WHERE id = 1 AND OLD.user_id IS NOT NEW.user_id;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;

DROP TRIGGER IF EXISTS directory_webhooks_insert;
CREATE TRIGGER directory_webhooks_insert AFTER INSERT ON webhooks
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'webhooks', NEW.id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_webhooks_delete;
CREATE TRIGGER directory_webhooks_delete AFTER DELETE ON webhooks
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'webhooks', OLD.id FROM directory_version WHERE id = 1;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;
DROP TRIGGER IF EXISTS directory_webhooks_update;
CREATE TRIGGER directory_webhooks_update AFTER UPDATE ON webhooks
BEGIN
    UPDATE directory_version SET version = version + 1 WHERE id = 1;
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT version, 'webhooks', NEW.id FROM directory_version WHERE id = 1
        UNION ALL SELECT version, 'webhooks', OLD.id FROM directory_version WHERE id = 1 AND OLD.id IS NOT NEW.id;
    DELETE FROM directory_changes WHERE version <= (SELECT version - 1000 FROM directory_version WHERE id = 1);
END;

DROP TRIGGER IF EXISTS directory_users_name_insert;
CREATE TRIGGER directory_users_name_insert BEFORE INSERT ON users
WHEN EXISTS (SELECT 1 FROM users WHERE username = NEW.username)
BEGIN
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT d.version + 1, 'users', u.id FROM directory_version d, users u
        WHERE d.id = 1 AND u.username = NEW.username;
END;
DROP TRIGGER IF EXISTS directory_users_name_update;
CREATE TRIGGER directory_users_name_update BEFORE UPDATE OF username ON users
WHEN NEW.username IS NOT OLD.username
    AND EXISTS (SELECT 1 FROM users WHERE username = NEW.username AND id IS NOT OLD.id)
BEGIN
    INSERT INTO directory_changes (version, entity, row_key)
        SELECT d.version + 1, 'users', u.id FROM directory_version d, users u
        WHERE d.id = 1 AND u.username = NEW.username AND u.id IS NOT OLD.id;
END;
