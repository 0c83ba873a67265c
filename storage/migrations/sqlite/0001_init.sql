-- 0001: the initial schema (SQLite).
--
-- Column types follow what the Go side binds:
--   TIMESTAMP  text written by the driver as 'YYYY-MM-DD HH:MM:SS.ffffff+00:00'
--              (trailing zeros of the fraction dropped), always UTC and
--              truncated to microseconds. Text order is time order ('+' sorts
--              before '.' and the digits). The driver parses it back because
--              the declared type is exactly TIMESTAMP.
--   dates      TEXT 'YYYY-MM-DD' (exercise periods and bookings are whole days).
--   JSON       TEXT, written by storage-private document structs.

CREATE TABLE nations (
    alpha2            TEXT PRIMARY KEY,
    alpha3            TEXT NOT NULL,
    numeric_code      TEXT NOT NULL,
    name              TEXT NOT NULL,
    eu_member_from    TEXT,
    eu_member_until   TEXT, -- the day membership ended (exclusive)
    nato_member_from  TEXT,
    nato_member_until TEXT,
    notes             TEXT NOT NULL DEFAULT ''
);

CREATE TABLE training_areas (
    code               TEXT PRIMARY KEY,
    name               TEXT NOT NULL,
    near               TEXT NOT NULL DEFAULT '',
    county             TEXT NOT NULL DEFAULT '',
    lat                REAL NOT NULL,
    lon                REAL NOT NULL,
    responsible_unit   TEXT NOT NULL DEFAULT '',
    capacity_personnel INTEGER NOT NULL CHECK (capacity_personnel >= 0),
    notes              TEXT NOT NULL DEFAULT ''
);

CREATE TABLE entry_points (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    mode       TEXT NOT NULL,
    identifier TEXT NOT NULL DEFAULT '',
    neighbour  TEXT NOT NULL DEFAULT '',
    notes      TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    roles         TEXT NOT NULL, -- comma-separated role names
    nation        TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMP NOT NULL
);

-- ids are UUIDv7 strings: time-ordered, so ORDER BY id is creation order and
-- keyset pages on id need no second sort key.
CREATE TABLE requests (
    id            TEXT PRIMARY KEY,
    reference     TEXT UNIQUE, -- NULL until the first submission
    nation        TEXT NOT NULL REFERENCES nations (alpha2),
    status        TEXT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_by    TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    submitted_at  TIMESTAMP,
    due_at        TIMESTAMP,
    decided_at    TIMESTAMP,
    exercise_name TEXT NOT NULL,
    period_start  TEXT NOT NULL,
    period_end    TEXT NOT NULL,
    details       TEXT NOT NULL,
    route         TEXT,
    conditions    TEXT NOT NULL,
    warnings      TEXT NOT NULL
);

CREATE INDEX requests_nation_id ON requests (nation, id);
CREATE INDEX requests_status_id ON requests (status, id);
CREATE INDEX requests_nation_status_id ON requests (nation, status, id);

-- request_areas mirrors details.training_areas, rewritten with every change
-- of a request, so lists can filter by area and bookings can be computed
-- in SQL.
CREATE TABLE request_areas (
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    area       TEXT NOT NULL REFERENCES training_areas (code),
    from_date  TEXT NOT NULL,
    to_date    TEXT NOT NULL,
    PRIMARY KEY (request_id, position)
);

CREATE INDEX request_areas_area_request ON request_areas (area, request_id);

-- audit_log.entry holds the canonical JSON of the whole entry, serialized
-- once at append: those exact bytes are the Merkle leaf. The other columns
-- are copies for querying.
CREATE TABLE audit_log (
    idx             INTEGER PRIMARY KEY CHECK (idx >= 0),
    at              TIMESTAMP NOT NULL,
    actor           TEXT NOT NULL,
    acting_for      TEXT NOT NULL DEFAULT '',
    action          TEXT NOT NULL,
    request_id      TEXT NOT NULL DEFAULT '',
    request_version INTEGER NOT NULL DEFAULT 0,
    entry           BLOB NOT NULL
);

CREATE INDEX audit_log_request_idx ON audit_log (request_id, idx);

-- counters hand out dense numbers (audit index, yearly reference numbers)
-- inside the writing transaction, so a rollback leaves no gap.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

CREATE TABLE idempotency_keys (
    principal       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    request_id      TEXT NOT NULL DEFAULT '',
    response        BLOB NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);

-- keys holds server secrets (token and checkpoint signing keys). Never log it.
CREATE TABLE keys (
    name       TEXT PRIMARY KEY,
    material   BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
