-- 0030: each of a nation's framework agreements has its own reference,
-- held by a unique index (SQLite).
--
-- The rule (domain.checkReferenceFree) was a lookup inside the transaction
-- only: on PostgreSQL two agreements created at once could both pass it and
-- store one reference twice. The index makes the database refuse the
-- second. What "the same reference" means is decided in Go alone
-- (domain.ReferenceKey: white space around it and case aside, as
-- strings.TrimSpace and strings.EqualFold have it): reference_key holds
-- that key, written by the application with every agreement it stores,
-- and the lookup and the index compare it by equality only, never with
-- this database's lower() or trim().
--
-- This file adds the columns and the index; the migration's step in Go
-- (storage.keyFrameworkReferences, in the same transaction, right after
-- it) fills reference_key of the agreements stored before and numbers
-- those of a nation that share a key by id (ids are time-ordered): the
-- first keeps dup_seq 0, each later one gets 1, 2, ... so that agreements
-- stored twice under one reference before the rule are kept as they are.
-- A new agreement, and one whose nation or reference_key changes, is stored
-- with 0 (storage/frameworks.go), so of the rows with 0 there is at most
-- one per nation and key. reference_key is NULL between this file and that
-- step (NULLs never conflict in a unique index), and for an agreement a
-- binary older than 0030 stores beside a migrated one; the same step, run
-- after every Migrate, keys those.
ALTER TABLE frameworks ADD COLUMN reference_key TEXT;
ALTER TABLE frameworks ADD COLUMN dup_seq INTEGER NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX frameworks_nation_reference ON frameworks (nation, reference_key, dup_seq);
