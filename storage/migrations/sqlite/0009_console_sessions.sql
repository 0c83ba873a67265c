-- 0009: the web console's server-side sessions, shared by every replica.
-- The id column holds the SHA-256 of the cookie's secret, never the secret.
-- generation is the account's generation at sign-in: a disabled or changed
-- account (its generation moved on) ends the session, as it voids a token.

CREATE TABLE console_sessions (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    generation BIGINT NOT NULL, -- the account's generation at sign-in
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX console_sessions_username ON console_sessions (username);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
