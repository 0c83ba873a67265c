-- 0028: decisions of earlier review rounds marked earlier (SQLite).
--
-- A resubmission keeps the request's decisions as those of an earlier
-- round (Route.Earlier, the earlier_decisions of the requests.route
-- document), but the server stored their request_decisions rows unchanged,
-- earlier = 0: the queue then took them for decisions of the current round
-- and left a stage out for the approver who had decided it before, whom
-- Decide accepts for a fresh review. The server now flips the flag when it
-- resubmits.
--
-- The rows stored wrongly before this migration are marked earlier = 1:
-- those whose decision is among the earlier_decisions of their request's
-- route document, which the server reads back as the earlier rounds — a
-- decision of the current round is never there. It parses the route of the
-- requests that have earlier decisions (the LIKE skips the others) and
-- reads request_decisions once.
UPDATE request_decisions SET earlier = 1
WHERE earlier = 0 AND (request_id, id) IN (
    SELECT r.id, json_extract(e.value, '$.id')
    FROM requests r, json_each(r.route, '$.earlier_decisions') e
    WHERE r.route LIKE '%"earlier_decisions"%' AND e.type = 'object'
);
