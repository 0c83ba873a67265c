-- 0031: indexes that hold only the rows their queries read (PostgreSQL).
-- Same indexes as the SQLite file, which says why each is there.
--
-- The conditions are written as the queries write them, with literal
-- values (storage/stages_queue.go: activeStage; storage/requests.go:
-- approvedRequest): a generic plan of a prepared statement can then prove
-- them and use the index. An UPDATE that moves a row to another heap
-- tuple writes an entry in every index whose condition the new row meets:
-- a pending stage or a request not approved now meets none of these.
-- Building them reads request_stages and requests once each and holds off
-- writes to them (not reads) meanwhile.
DROP INDEX request_stages_queue;
DROP INDEX request_stages_due;
DROP INDEX requests_status_period_end;
CREATE INDEX request_stages_active_queue ON request_stages (role, due_at, request_id, stage_id)
    WHERE status = 'active';
CREATE INDEX request_stages_active_due ON request_stages (due_at)
    WHERE status = 'active';
CREATE INDEX requests_approved_period_end ON requests (status, period_end, id)
    WHERE status = 'approved';
