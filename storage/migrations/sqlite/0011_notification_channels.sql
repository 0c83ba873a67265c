-- 0011: notification channels — the console inbox, webhooks, and each
-- user's choice of channels per kind of event.
--
-- notifications is rebuilt because SQLite cannot drop NOT NULL: a delivery
-- to a role's webhook has no single recipient, so recipient becomes
-- nullable and webhook_id names the webhook. read_at marks an inbox row
-- read. Inbox rows are written with status 'sent': the inbox is delivered
-- when the row commits.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id),
    role       TEXT,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    CHECK ((user_id IS NULL) <> (role IS NULL))
);
CREATE INDEX webhooks_user ON webhooks (user_id);
CREATE INDEX webhooks_role ON webhooks (role);

-- A row turns one channel off for one kind of event for one user; no row
-- means the default (on).
CREATE TABLE notification_optouts (
    user_id TEXT NOT NULL REFERENCES users (id),
    kind    TEXT NOT NULL,
    channel TEXT NOT NULL,
    PRIMARY KEY (user_id, kind, channel)
);

CREATE TABLE notifications_new (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,
    recipient       TEXT REFERENCES users (id),
    webhook_id      TEXT REFERENCES webhooks (id),
    channel         TEXT NOT NULL,
    address         TEXT NOT NULL,
    request_id      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'undeliverable')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    sent_at         TIMESTAMP,
    last_error      TEXT NOT NULL DEFAULT '',
    read_at         TIMESTAMP,
    CHECK (recipient IS NOT NULL OR webhook_id IS NOT NULL)
);
INSERT INTO notifications_new (id, idempotency_key, kind, recipient, channel, address, request_id, subject, body,
    status, attempts, created_at, next_attempt_at, sent_at, last_error)
SELECT id, idempotency_key, kind, recipient, channel, address, request_id, subject, body,
    status, attempts, created_at, next_attempt_at, sent_at, last_error FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;

CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
CREATE INDEX notifications_recipient ON notifications (recipient, created_at);
CREATE INDEX notifications_inbox ON notifications (recipient, channel, read_at);
