-- 0011: notification channels — the console inbox, webhooks, and each
-- user's choice of channels per kind of event.
--
-- A delivery to a role's webhook has no single recipient, so recipient
-- becomes nullable and webhook_id names the webhook. read_at marks an inbox
-- row read. Inbox rows are written with status 'sent': the inbox is
-- delivered when the row commits.
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    user_id    TEXT REFERENCES users (id),
    role       TEXT,
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz,
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

ALTER TABLE notifications ALTER COLUMN recipient DROP NOT NULL;
ALTER TABLE notifications ADD COLUMN webhook_id TEXT REFERENCES webhooks (id);
ALTER TABLE notifications ADD COLUMN read_at timestamptz;
ALTER TABLE notifications ADD CONSTRAINT notifications_target CHECK (recipient IS NOT NULL OR webhook_id IS NOT NULL);
CREATE INDEX notifications_inbox ON notifications (recipient, channel, read_at);
