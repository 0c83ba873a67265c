-- 0018: each outbox row in the indexes that serve it, not in all of them.
--
-- Every notification row was entered into five indexes: its key, its
-- unique idempotency key, notifications_due (status, next_attempt_at) and
-- the inbox's two. An inbox row is never queued and an e-mail or webhook
-- row never shows in an inbox, so the queue indexes now hold only queued
-- rows (a row leaves them when delivered or withdrawn): by due time for the
-- delivery worker, by account for withdrawing or re-addressing an
-- account's queued rows; and the inbox indexes only inbox rows. The
-- queries that use them name the same conditions with literal values
-- (status = 'queued', channel = 'inbox'), which a partial index needs. A
-- new row, queued or inbox, now goes into four indexes instead of five.
DROP INDEX notifications_due;
DROP INDEX notifications_inbox;
DROP INDEX notifications_inbox_list;
CREATE INDEX notifications_queued ON notifications (next_attempt_at, id) WHERE status = 'queued';
CREATE INDEX notifications_queued_recipient ON notifications (recipient, channel) WHERE status = 'queued';
CREATE INDEX notifications_inbox ON notifications (recipient, read_at) WHERE channel = 'inbox';
CREATE INDEX notifications_inbox_list ON notifications (recipient, created_at, id) WHERE channel = 'inbox';
