-- 0012: the reminder sweep (storage/outbox_schedule.go).
--
-- scheduled_notices remembers which scheduled notices (a stage due soon or
-- overdue, an escalation, a permit expiring, a delegation started or
-- ending) were written, by the deterministic key their rows' idempotency
-- keys start with: a sweep skips them with one lookup instead of reading
-- their audience again every minute. Rows older than any sweep window are
-- deleted by the sweep.
CREATE TABLE scheduled_notices (
    key_base   TEXT PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX scheduled_notices_created ON scheduled_notices (created_at);

-- The sweep's windows: active stages by deadline (whatever their role),
-- delegations by start and by end.
CREATE INDEX request_stages_due ON request_stages (status, due_at);
CREATE INDEX delegations_starts ON delegations (starts_at);
CREATE INDEX delegations_ends ON delegations (ends_at);
