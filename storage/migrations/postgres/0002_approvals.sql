-- 0002: approvals (PostgreSQL). request_stages and request_decisions mirror
-- the current route held in requests.route, rewritten in the same
-- transaction as every change of a request, so the queue is an index walk.

CREATE TABLE request_stages (
    request_id         text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    stage_id           text COLLATE "C" NOT NULL,
    role               text NOT NULL,
    stage_order        integer NOT NULL,
    status             text NOT NULL,
    approvals_required integer NOT NULL,
    approvals          integer NOT NULL,
    activated_at       timestamptz,
    due_at             timestamptz,
    PRIMARY KEY (request_id, stage_id)
);

-- The queue: active stages of some roles, oldest deadline first, keyset by
-- (due_at, request_id, stage_id).
CREATE INDEX request_stages_queue ON request_stages (status, role, due_at, request_id, stage_id);

CREATE TABLE request_decisions (
    id         text PRIMARY KEY,
    request_id text COLLATE "C" NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    stage_id   text NOT NULL,
    decided_by text NOT NULL,
    acting_for text NOT NULL DEFAULT '',
    outcome    text NOT NULL,
    at         timestamptz NOT NULL
);

-- Separation of duties in the queue: "has this person decided on this request?"
CREATE INDEX request_decisions_request_by ON request_decisions (request_id, decided_by);

CREATE TABLE delegations (
    id         text COLLATE "C" PRIMARY KEY,
    from_user  text NOT NULL,
    to_user    text NOT NULL,
    role       text NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
    CHECK (ends_at > starts_at)
);

CREATE INDEX delegations_to_ends ON delegations (to_user, ends_at);
CREATE INDEX delegations_from ON delegations (from_user, id);

-- The expiry sweep: approved requests by the end of their period.
CREATE INDEX requests_status_period_end ON requests (status, period_end);
