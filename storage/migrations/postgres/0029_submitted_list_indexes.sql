-- 0029: the lists of approvers and administrators walk only the requests
-- ever submitted (PostgreSQL). Same indexes as the SQLite file, which says
-- why each is there.
--
-- The conditions are written as the list writes them, with literal values
-- (storage/requests.go: everSubmitted, withdrawnSubmitted): a generic plan
-- of the list's prepared statement can then prove them and use the index.
-- Building them reads the requests table once and holds off writes to it
-- (not reads) meanwhile.
CREATE INDEX requests_submitted_id ON requests (id)
    WHERE status <> 'draft' AND (status <> 'withdrawn' OR submitted_at IS NOT NULL);
CREATE INDEX requests_submitted_nation_id ON requests (nation, id)
    WHERE status <> 'draft' AND (status <> 'withdrawn' OR submitted_at IS NOT NULL);
CREATE INDEX requests_withdrawn_submitted_id ON requests (status, id)
    WHERE status = 'withdrawn' AND submitted_at IS NOT NULL;
CREATE INDEX requests_withdrawn_submitted_nation_id ON requests (nation, status, id)
    WHERE status = 'withdrawn' AND submitted_at IS NOT NULL;
