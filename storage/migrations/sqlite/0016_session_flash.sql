-- 0016: a one-shot message of a console session for its next page
-- (storage/sessions.go). The console's form posts answer with a redirect
-- (POST-redirect-GET), so that a reload repeats nothing; what the next page
-- must show once — a new webhook's signing secret — waits here, on the
-- server, never in a URL, and is cleared when that page takes it. It goes
-- with its session.
ALTER TABLE console_sessions ADD COLUMN flash TEXT;
