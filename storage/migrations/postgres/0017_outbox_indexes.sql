-- 0017: one index fewer on every outbox row.
--
-- notifications_recipient (recipient, created_at) came with the outbox
-- (0010), before the inbox's indexes (0011, 0013), which also begin with
-- recipient and serve the inbox; withdrawing or re-addressing an account's
-- queued rows searches the queued ones (notifications_due). Each outbox row
-- was entered into six indexes; now five.
DROP INDEX notifications_recipient;
