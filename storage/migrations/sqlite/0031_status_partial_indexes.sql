-- 0031: indexes that hold only the rows their queries read (SQLite).
--
-- Every query of these three indexes asks for one status, yet they held
-- the rows of every status: a submit wrote its three stages into
-- request_stages_queue and request_stages_due although two are pending,
-- and moved its request in requests_status_period_end from draft to
-- in_review; a decision moved its stages in both again. The indexes
-- below hold only the rows of the status their queries ask for, with that
-- very condition, which the queries write with a literal value
-- (storage/stages_queue.go: activeStage; storage/requests.go:
-- approvedRequest), as partial indexes need (see 0029):
--   - request_stages_active_queue: the approvers' queue, a keyset walk of
--     one role's active stages by deadline (was request_stages_queue,
--     whose leading status column every row of the new one shares);
--   - request_stages_active_due: the count of overdue stages (the
--     exaccess_overdue_stages metric), a range of deadlines of the active
--     stages. The reminder sweep reads its partial indexes of 0015, which
--     took over the rest of what request_stages_due was made for (0012).
--     Without any leading status column, the inbox's and the delivery
--     claim's probe of a notification's stage (status = 'active', by
--     request) goes by the stages' key: request_stages_due offered SQLite
--     an equality on status, and it read every active stage for each row;
--   - requests_approved_period_end: the expiry sweep and the expired
--     requests, a range of period ends of the approved requests, in their
--     order (period_end, id: no sort). status leads it although it is the
--     same in every row, because SQLite, with no statistics, would
--     otherwise walk the (status, id) index that matches status =
--     'approved' by equality, and sort.
-- A pending, approved or rejected stage is in neither stage index; a
-- request is in the requests index only while approved.
DROP INDEX request_stages_queue;
DROP INDEX request_stages_due;
DROP INDEX requests_status_period_end;
CREATE INDEX request_stages_active_queue ON request_stages (role, due_at, request_id, stage_id)
    WHERE status = 'active';
CREATE INDEX request_stages_active_due ON request_stages (due_at)
    WHERE status = 'active';
CREATE INDEX requests_approved_period_end ON requests (status, period_end, id)
    WHERE status = 'approved';
