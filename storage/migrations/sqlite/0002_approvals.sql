-- 0002: approvals (SQLite). request_stages and request_decisions mirror the
-- current route held in requests.route, rewritten in the same transaction as
-- every change of a request, so the queue is an index walk.

CREATE TABLE request_stages (
    request_id         TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    stage_id           TEXT NOT NULL,
    role               TEXT NOT NULL,
    stage_order        INTEGER NOT NULL,
    status             TEXT NOT NULL,
    approvals_required INTEGER NOT NULL,
    approvals          INTEGER NOT NULL,
    activated_at       TIMESTAMP,
    due_at             TIMESTAMP,
    PRIMARY KEY (request_id, stage_id)
);

-- The queue: active stages of some roles, oldest deadline first, keyset by
-- (due_at, request_id, stage_id).
CREATE INDEX request_stages_queue ON request_stages (status, role, due_at, request_id, stage_id);

CREATE TABLE request_decisions (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    stage_id   TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    acting_for TEXT NOT NULL DEFAULT '',
    outcome    TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);

-- Separation of duties in the queue: "has this person decided on this request?"
CREATE INDEX request_decisions_request_by ON request_decisions (request_id, decided_by);

CREATE TABLE delegations (
    id         TEXT PRIMARY KEY,
    from_user  TEXT NOT NULL,
    to_user    TEXT NOT NULL,
    role       TEXT NOT NULL,
    starts_at  TIMESTAMP NOT NULL,
    ends_at    TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK (ends_at > starts_at)
);

CREATE INDEX delegations_to_ends ON delegations (to_user, ends_at);
CREATE INDEX delegations_from ON delegations (from_user, id);

-- The expiry sweep: approved requests by the end of their period.
CREATE INDEX requests_status_period_end ON requests (status, period_end);
