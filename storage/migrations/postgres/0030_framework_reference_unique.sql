-- 0030: each of a nation's framework agreements has its own reference,
-- held by a unique index (PostgreSQL).
--
-- The rule (case and surrounding spaces aside, domain.checkReferenceFree)
-- was a lookup inside the transaction only: on PostgreSQL two agreements
-- created at once could both pass it and store one reference twice. The
-- index makes the database refuse the second. Agreements stored twice under
-- one reference before the rule are kept as they are: dup_seq numbers them
-- within their (nation, reference), by id (ids are time-ordered), so the
-- first keeps 0 and each later one gets 1, 2, ...; a new agreement, and one
-- whose nation or reference changes, is stored with 0 (storage/frameworks.go),
-- so of the rows with 0 there is at most one per nation and reference, and
-- an agreement keeps its number only while it keeps its nation and
-- reference. The key is the one the lookup compares: nation and
-- lower(trim(reference)).
ALTER TABLE frameworks ADD COLUMN dup_seq integer NOT NULL DEFAULT 0;
UPDATE frameworks f SET dup_seq = d.seq
    FROM (SELECT id, row_number() OVER (PARTITION BY nation, lower(trim(reference)) ORDER BY id) - 1 AS seq
          FROM frameworks) d
    WHERE d.id = f.id AND d.seq > 0;
CREATE UNIQUE INDEX frameworks_nation_reference ON frameworks (nation, lower(trim(reference)), dup_seq);
