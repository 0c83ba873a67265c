-- 0001: the initial schema (PostgreSQL). Same tables as the SQLite file.
-- Timestamps are timestamptz written in UTC and truncated to microseconds
-- (PostgreSQL's own precision), dates are date, JSON documents are text
-- written by storage-private document structs.

CREATE TABLE nations (
    alpha2            text PRIMARY KEY,
    alpha3            text NOT NULL,
    numeric_code      text NOT NULL,
    name              text NOT NULL,
    eu_member_from    date,
    eu_member_until   date, -- the day membership ended (exclusive)
    nato_member_from  date,
    nato_member_until date,
    notes             text NOT NULL DEFAULT ''
);

CREATE TABLE training_areas (
    code               text PRIMARY KEY,
    name               text NOT NULL,
    near               text NOT NULL DEFAULT '',
    county             text NOT NULL DEFAULT '',
    lat                double precision NOT NULL,
    lon                double precision NOT NULL,
    responsible_unit   text NOT NULL DEFAULT '',
    capacity_personnel integer NOT NULL CHECK (capacity_personnel >= 0),
    notes              text NOT NULL DEFAULT ''
);

CREATE TABLE entry_points (
    code       text PRIMARY KEY,
    name       text NOT NULL,
    mode       text NOT NULL,
    identifier text NOT NULL DEFAULT '',
    neighbour  text NOT NULL DEFAULT '',
    notes      text NOT NULL DEFAULT ''
);

CREATE TABLE users (
    id            text PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    roles         text NOT NULL, -- comma-separated role names
    nation        text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);

-- ids are UUIDv7 strings: time-ordered, so ORDER BY id is creation order and
-- keyset pages on id need no second sort key. COLLATE "C" makes the order
-- bytewise, as on SQLite, whatever the database's locale.
CREATE TABLE requests (
    id            text COLLATE "C" PRIMARY KEY,
    reference     text UNIQUE, -- NULL until the first submission
    nation        text NOT NULL REFERENCES nations (alpha2),
    status        text NOT NULL,
    version       integer NOT NULL CHECK (version >= 1),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    submitted_at  timestamptz,
    due_at        timestamptz,
    decided_at    timestamptz,
    exercise_name text NOT NULL,
    period_start  date NOT NULL,
    period_end    date NOT NULL,
    details       text NOT NULL,
    route         text,
    conditions    text NOT NULL,
    warnings      text NOT NULL
);

CREATE INDEX requests_nation_id ON requests (nation, id);
CREATE INDEX requests_status_id ON requests (status, id);
CREATE INDEX requests_nation_status_id ON requests (nation, status, id);

-- request_areas mirrors details.training_areas, rewritten with every change
-- of a request, so lists can filter by area and bookings can be computed
-- in SQL.
CREATE TABLE request_areas (
    request_id text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    position   integer NOT NULL,
    area       text NOT NULL REFERENCES training_areas (code),
    from_date  date NOT NULL,
    to_date    date NOT NULL,
    PRIMARY KEY (request_id, position)
);

CREATE INDEX request_areas_area_request ON request_areas (area, request_id);

-- audit_log.entry holds the canonical JSON of the whole entry, serialized
-- once at append: those exact bytes are the Merkle leaf (bytea, so no
-- encoding conversion can touch them). The other columns are copies for
-- querying.
CREATE TABLE audit_log (
    idx             bigint PRIMARY KEY CHECK (idx >= 0),
    at              timestamptz NOT NULL,
    actor           text NOT NULL,
    acting_for      text NOT NULL DEFAULT '',
    action          text NOT NULL,
    request_id      text NOT NULL DEFAULT '',
    request_version integer NOT NULL DEFAULT 0,
    entry           bytea NOT NULL
);

CREATE INDEX audit_log_request_idx ON audit_log (request_id, idx);

-- counters hand out dense numbers (audit index, yearly reference numbers)
-- inside the writing transaction: the row lock serializes concurrent
-- writers, and a rollback leaves no gap.
CREATE TABLE counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);

CREATE TABLE idempotency_keys (
    principal       text NOT NULL,
    idempotency_key text NOT NULL,
    fingerprint     text NOT NULL,
    request_id      text NOT NULL DEFAULT '',
    response        bytea NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);

-- keys holds server secrets (token and checkpoint signing keys). Never log it.
CREATE TABLE keys (
    name       text PRIMARY KEY,
    material   bytea NOT NULL,
    created_at timestamptz NOT NULL
);
