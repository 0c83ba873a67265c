-- 0013: the console inbox's list, newest first.
--
-- A user's inbox is read a page at a time in (created_at, id) order, from a
-- keyset cursor. notifications_inbox (recipient, channel, read_at) serves
-- the unread count; this index serves the list, so that a page reads only
-- its own rows instead of sorting all of the user's notifications.
CREATE INDEX notifications_inbox_list ON notifications (recipient, channel, created_at, id);
