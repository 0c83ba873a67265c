-- 0023: kept notices are forgotten by their condition, not by their age
-- (storage/outbox_unheard.go).
--
-- 0022 kept a scheduled notice that found nobody to tell, and the sweep
-- deleted kept rows 28 days old. But an overdue stage stays overdue until
-- it is decided, and a stage is never read again once it is marked told:
-- a person given a role vacant for longer than that never heard of it. The
-- sweep no longer deletes kept rows by age; it decides them afresh
-- (domain.DecideKept) and drops those that can never be due again — the
-- stage decided or activated afresh, the request out of review, the permit
-- ended. Each sweep decides at most 200 of them, those decided least
-- recently, none more often than once an hour: checked_at is when a row was
-- last decided (when it was kept, for a new row), and the index serves
-- that range. The rows kept before this migration count as decided when
-- they were kept.
ALTER TABLE unheard_notices ADD COLUMN checked_at TIMESTAMP;
UPDATE unheard_notices SET checked_at = created_at;
CREATE INDEX unheard_notices_checked ON unheard_notices (checked_at);
