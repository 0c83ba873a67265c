-- 0027: a request keeps its authors (domain.Request.Authors). Same column
-- and backfill as the SQLite file.
--
-- Separation of duties refused a decision to the request's creator only:
-- another liaison officer of the nation who changed, submitted or
-- resubmitted it, and later became an approver, could decide it. Every
-- write of a request by its nation now adds the writer to authors, a JSON
-- list of usernames, each once, in the order they first wrote it; the
-- creator is the first. It is a column of the request's row, which every
-- change writes anyway: no statement more per change.
--
-- The requests stored before this migration get their authors from the
-- audit log: the creator, then the actor of each of the request's entries
-- that a liaison officer writes (request.created, request.updated,
-- request.submitted — a resubmission included — and request.withdrawn),
-- by the entry's index, each once. The list is written as the server
-- writes it (no spaces); it reads each request's entries by the
-- (request_id, idx) index once.
ALTER TABLE requests ADD COLUMN authors text NOT NULL DEFAULT '[]';
UPDATE requests SET authors = (
    SELECT COALESCE('[' || string_agg(to_json(w.actor)::text, ',' ORDER BY w.first) || ']', '[]') FROM (
        SELECT v.actor, MIN(v.first) AS first FROM (
            SELECT requests.created_by AS actor, -1::bigint AS first
            UNION ALL
            SELECT a.actor, a.idx FROM audit_log a
            WHERE a.request_id = requests.id
              AND a.action IN ('request.created', 'request.updated', 'request.submitted', 'request.withdrawn')
        ) v
        WHERE v.actor <> ''
        GROUP BY v.actor
    ) w
);
