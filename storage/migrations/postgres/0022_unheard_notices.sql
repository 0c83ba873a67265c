-- 0022: scheduled notices that found nobody to tell (storage/outbox_unheard.go).
--
-- A reminder (a stage due soon, overdue or escalated; a permit expiring)
-- is written once, when it falls due; its key goes to scheduled_notices and
-- its stage is marked, so no later sweep reads it again. When its audience
-- was empty then (no enabled account holds the role, nobody it is
-- delegated to, no webhook of the role; no liaison officer of the nation),
-- it is also kept here, by its key, with its audience and what it is about.
-- Each sweep asks, for each audience kept here, whether it has anyone now;
-- for one that does, it decides each kept notice afresh (still due: the
-- stage still active in the same activation, the permit still expiring)
-- and writes it to them, or drops it. Kept rows older than any notice's
-- window are deleted by the sweep.
CREATE TABLE unheard_notices (
    key_base        TEXT PRIMARY KEY,
    audience_role   TEXT NOT NULL DEFAULT '',
    audience_nation TEXT NOT NULL DEFAULT '',
    request_id      TEXT NOT NULL,
    stage_id        TEXT NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL
);
CREATE INDEX unheard_notices_audience ON unheard_notices (audience_role, audience_nation, key_base);
