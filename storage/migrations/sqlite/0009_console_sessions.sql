-- 0005: the web console's server-side sessions, shared by every replica.
-- The id column holds the SHA-256 of the cookie's secret, never the secret.

CREATE TABLE console_sessions (
    id         TEXT PRIMARY KEY,
    username   TEXT NOT NULL,
    csrf       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);

CREATE INDEX console_sessions_username ON console_sessions (username);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
