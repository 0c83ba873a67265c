-- 0004: framework agreements, training-area capacity edits and blackout
-- days, and the personnel of each booking for deconfliction (PostgreSQL).

CREATE TABLE frameworks (
    id                text COLLATE "C" PRIMARY KEY,
    nation            text NOT NULL REFERENCES nations (alpha2),
    name              text NOT NULL,
    reference         text NOT NULL,
    valid_from        date NOT NULL,
    valid_until       date NOT NULL,
    training_areas    text NOT NULL, -- JSON array of area codes
    entry_points      text NOT NULL, -- JSON array of entry point codes
    personnel_ceiling integer NOT NULL,
    live_fire         boolean NOT NULL,
    dangerous_goods   boolean NOT NULL,
    notes             text NOT NULL DEFAULT '',
    suspended         boolean NOT NULL DEFAULT false,
    version           integer NOT NULL CHECK (version >= 1),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);

CREATE INDEX frameworks_nation_id ON frameworks (nation, id);

-- Administrators edit capacity and blackout days; version guards their edits.
ALTER TABLE training_areas ADD COLUMN blackout_days text NOT NULL DEFAULT '[]';
ALTER TABLE training_areas ADD COLUMN version integer NOT NULL DEFAULT 1;

-- Each booking carries the request's personnel total, so capacity per day is
-- a query over request_areas alone.
ALTER TABLE request_areas ADD COLUMN personnel integer NOT NULL DEFAULT 0;
UPDATE request_areas ra SET personnel =
      COALESCE((r.details::jsonb -> 'personnel' ->> 'military')::integer, 0)
    + COALESCE((r.details::jsonb -> 'personnel' ->> 'civilian')::integer, 0)
    + COALESCE((r.details::jsonb -> 'personnel' ->> 'contractors')::integer, 0)
    FROM requests r WHERE r.id = ra.request_id;

-- Bookings of an area overlapping a date range.
CREATE INDEX request_areas_area_from ON request_areas (area, from_date);
