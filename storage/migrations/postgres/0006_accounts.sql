-- 0005: accounts with a life (PostgreSQL). An account can be disabled (with
-- the reason), locked for a while after too many failed sign-ins, made to
-- change a one-time password, and carries a generation that every token
-- holds: bumping it revokes the tokens issued before.

ALTER TABLE users ADD COLUMN generation bigint NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
ALTER TABLE users ADD COLUMN disabled_reason text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN must_change_password boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN failed_sign_ins integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until timestamptz;
-- external: an account of the identity provider's subject (username
-- "idp:<sub>"), made on its first sign-in; it has no password here.
ALTER TABLE users ADD COLUMN external boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN updated_at timestamptz;
