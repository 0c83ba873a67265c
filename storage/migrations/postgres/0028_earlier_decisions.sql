-- 0028: decisions of earlier review rounds marked earlier (PostgreSQL).
-- Same rule as the SQLite file.
--
-- A resubmission keeps the request's decisions as those of an earlier
-- round (Route.Earlier, the earlier_decisions of the requests.route
-- document), but the server stored their request_decisions rows unchanged,
-- earlier = false: the queue then took them for decisions of the current
-- round and left a stage out for the approver who had decided it before,
-- whom Decide accepts for a fresh review. The server now flips the flag
-- when it resubmits.
--
-- The rows stored wrongly before this migration are marked earlier = true:
-- those whose decision is among the earlier_decisions of their request's
-- route document, which the server reads back as the earlier rounds — a
-- decision of the current round is never there. It parses the route of the
-- requests that have earlier decisions (the LIKE skips the others) and
-- reads request_decisions once.
UPDATE request_decisions d SET earlier = true
FROM (
    SELECT r.id AS request_id, e.value ->> 'id' AS id
    FROM requests r,
         jsonb_array_elements(CASE WHEN jsonb_typeof(r.route::jsonb -> 'earlier_decisions') = 'array'
                                   THEN r.route::jsonb -> 'earlier_decisions' END) e (value)
    WHERE r.route LIKE '%"earlier_decisions"%'
) x
WHERE d.earlier = false AND d.request_id = x.request_id AND d.id = x.id;
