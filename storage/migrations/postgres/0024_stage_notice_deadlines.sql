-- 0024: a stage notice's key names the deadline it was about
-- (domain.StageNoticeKey, storage/outbox_schedule.go).
--
-- Keys of stage notices (due soon, overdue, escalated) named the stage and
-- its activation: a deadline moved within one activation cleared the
-- stage's marks, but the sweep found the notice's key already written and
-- told nobody of the new deadline. Keys now end with the deadline too,
-- ':' and its microseconds since 1970, like the activation before it.
--
-- The keys written before this migration are rewritten where the stage's
-- mark shows that its current deadline is the one they were about: the
-- stage is active in the activation the key names, and its mark for the
-- kind is made (due_soon_at or overdue_at set; escalate_at cleared once
-- escalated). Such a notice, written or kept for nobody (unheard_notices),
-- is then known under the key the sweep makes for it now, and is neither
-- written twice nor lost. A key whose stage has its mark cleared was about
-- a deadline the stage no longer has: it is left as it is, matches no key
-- of the new deadline (which gets its own notices), and is forgotten like
-- any other (a kept one is dropped when next decided).
--
UPDATE scheduled_notices AS n SET key_base = n.key_base || ':' || CAST(EXTRACT(EPOCH FROM s.due_at) * 1000000 AS bigint)
FROM request_stages s
WHERE s.status = 'active' AND s.due_at IS NOT NULL AND s.due_soon_at IS NOT NULL
  AND n.key_base = 'stage.due_soon:' || s.request_id || ':' || s.stage_id || ':' || CAST(EXTRACT(EPOCH FROM COALESCE(s.activated_at, s.due_at)) * 1000000 AS bigint);
UPDATE scheduled_notices AS n SET key_base = n.key_base || ':' || CAST(EXTRACT(EPOCH FROM s.due_at) * 1000000 AS bigint)
FROM request_stages s
WHERE s.status = 'active' AND s.due_at IS NOT NULL AND s.overdue_at IS NOT NULL
  AND n.key_base = 'stage.overdue:' || s.request_id || ':' || s.stage_id || ':' || CAST(EXTRACT(EPOCH FROM COALESCE(s.activated_at, s.due_at)) * 1000000 AS bigint);
UPDATE scheduled_notices AS n SET key_base = n.key_base || ':' || CAST(EXTRACT(EPOCH FROM s.due_at) * 1000000 AS bigint)
FROM request_stages s
WHERE s.status = 'active' AND s.due_at IS NOT NULL AND s.escalate_at IS NULL
  AND n.key_base = 'stage.escalated:' || s.request_id || ':' || s.stage_id || ':' || CAST(EXTRACT(EPOCH FROM COALESCE(s.activated_at, s.due_at)) * 1000000 AS bigint);
UPDATE unheard_notices AS n SET key_base = n.key_base || ':' || CAST(EXTRACT(EPOCH FROM s.due_at) * 1000000 AS bigint)
FROM request_stages s
WHERE s.status = 'active' AND s.due_at IS NOT NULL AND s.due_soon_at IS NOT NULL
  AND n.key_base = 'stage.due_soon:' || s.request_id || ':' || s.stage_id || ':' || CAST(EXTRACT(EPOCH FROM COALESCE(s.activated_at, s.due_at)) * 1000000 AS bigint);
UPDATE unheard_notices AS n SET key_base = n.key_base || ':' || CAST(EXTRACT(EPOCH FROM s.due_at) * 1000000 AS bigint)
FROM request_stages s
WHERE s.status = 'active' AND s.due_at IS NOT NULL AND s.overdue_at IS NOT NULL
  AND n.key_base = 'stage.overdue:' || s.request_id || ':' || s.stage_id || ':' || CAST(EXTRACT(EPOCH FROM COALESCE(s.activated_at, s.due_at)) * 1000000 AS bigint);
UPDATE unheard_notices AS n SET key_base = n.key_base || ':' || CAST(EXTRACT(EPOCH FROM s.due_at) * 1000000 AS bigint)
FROM request_stages s
WHERE s.status = 'active' AND s.due_at IS NOT NULL AND s.escalate_at IS NULL
  AND n.key_base = 'stage.escalated:' || s.request_id || ':' || s.stage_id || ':' || CAST(EXTRACT(EPOCH FROM COALESCE(s.activated_at, s.due_at)) * 1000000 AS bigint);
