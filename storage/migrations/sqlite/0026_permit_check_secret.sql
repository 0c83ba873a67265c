-- 0026: the secret of the permits' check values (docs/permits.md).
--
-- GET /api/v1/permits/{reference}/status answers only with the check value
-- that the permit's status_path carries: a truncated HMAC-SHA256 of the
-- reference under this secret, so that walking the references drawn in
-- sequence no longer counts the permits approved, revoked and expired.
-- One row (id 1), the same for every process serving this database and
-- across restarts. The server inserts it on first start, 32 bytes from the
-- operating system's random source, insert-if-absent so that replicas
-- starting at once keep the one that won (storage.DB.PermitCheckSecret).
-- It never leaves the database: no log, no API answer.
CREATE TABLE permit_check_secret (
    id         integer PRIMARY KEY CHECK (id = 1),
    secret     BLOB NOT NULL CHECK (length(secret) = 32),
    created_at TIMESTAMP NOT NULL
);
