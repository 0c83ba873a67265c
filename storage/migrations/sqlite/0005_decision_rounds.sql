-- 0005: separation of duties over a request's whole life (SQLite).
-- request_decisions keeps the decisions of earlier review rounds too, marked
-- earlier = 1, so that the queue skips a request whose other stage the
-- caller decided in any round. Requests resubmitted before this migration
-- lost those rows; their earlier decisions remain in the audit log.
ALTER TABLE request_decisions ADD COLUMN earlier INTEGER NOT NULL DEFAULT 0;
