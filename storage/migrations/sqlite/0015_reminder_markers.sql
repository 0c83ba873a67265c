-- 0015: the reminder sweep reads only what it has not yet told
-- (storage/outbox_schedule.go).
--
-- Each stage notice has its own candidate query; a stage leaves a query's
-- partial index once the sweep has written (or found written) its notice,
-- so a backlog larger than one sweep's limit is worked through, oldest
-- first, instead of the same rows being read again every minute.
--
--   due_soon_at   when the stage's due-soon notice was written;
--   overdue_at    when its overdue notice was written;
--   escalate_at   when it is to be escalated, NULL once escalated or if
--                 its policy stage names no escalation.
--
-- A stage written afresh (a new activation, a new deadline) gets the three
-- reset by storage/stages.go.
ALTER TABLE request_stages ADD COLUMN due_soon_at TIMESTAMP;
ALTER TABLE request_stages ADD COLUMN overdue_at TIMESTAMP;
ALTER TABLE request_stages ADD COLUMN escalate_at TIMESTAMP;

-- Stages active now are read once more: the sweep finds their notices in
-- scheduled_notices, marks them, and sets each escalate_at to the exact
-- time from the route's escalation (or NULL).
UPDATE request_stages SET escalate_at = due_at WHERE status = 'active' AND due_at IS NOT NULL;

CREATE INDEX request_stages_due_soon ON request_stages (due_at, request_id, stage_id) WHERE status = 'active' AND due_soon_at IS NULL;
CREATE INDEX request_stages_overdue ON request_stages (due_at, request_id, stage_id) WHERE status = 'active' AND overdue_at IS NULL;
CREATE INDEX request_stages_escalate ON request_stages (escalate_at, request_id, stage_id) WHERE status = 'active' AND escalate_at IS NOT NULL;
