-- 0009: e-mail addresses of accounts and the notification outbox.
--
-- notifications is a transactional outbox: storage writes its rows in the
-- transaction of the change that causes them (through the audit entry the
-- change appends), so a change that rolls back notifies nobody. The
-- delivery worker claims due queued rows by moving next_attempt_at past a
-- lease, sends them, and records the outcome. idempotency_key is what a
-- receiver uses to drop a repeated delivery.
ALTER TABLE users ADD COLUMN email TEXT NOT NULL DEFAULT '';

CREATE TABLE notifications (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    recipient       TEXT NOT NULL REFERENCES users (id),
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'undeliverable')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    sent_at         timestamptz,
    last_error      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_recipient ON notifications (recipient, created_at);
