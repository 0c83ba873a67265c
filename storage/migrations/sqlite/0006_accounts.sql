-- 0005: accounts with a life (SQLite). An account can be disabled (with the
-- reason), locked for a while after too many failed sign-ins, made to
-- change a one-time password, and carries a generation that every token
-- holds: bumping it revokes the tokens issued before.

ALTER TABLE users ADD COLUMN generation INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP;
ALTER TABLE users ADD COLUMN disabled_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until TIMESTAMP;
-- external: an account of the identity provider's subject (username
-- "idp:<sub>"), made on its first sign-in; it has no password here.
ALTER TABLE users ADD COLUMN external INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN updated_at TIMESTAMP;
