-- 0004: framework agreements, training-area capacity edits and blackout
-- days, and the personnel of each booking for deconfliction (SQLite).

CREATE TABLE frameworks (
    id                TEXT PRIMARY KEY,
    nation            TEXT NOT NULL REFERENCES nations (alpha2),
    name              TEXT NOT NULL,
    reference         TEXT NOT NULL,
    valid_from        TEXT NOT NULL,
    valid_until       TEXT NOT NULL,
    training_areas    TEXT NOT NULL, -- JSON array of area codes
    entry_points      TEXT NOT NULL, -- JSON array of entry point codes
    personnel_ceiling INTEGER NOT NULL,
    live_fire         INTEGER NOT NULL,
    dangerous_goods   INTEGER NOT NULL,
    notes             TEXT NOT NULL DEFAULT '',
    suspended         INTEGER NOT NULL DEFAULT 0,
    version           INTEGER NOT NULL CHECK (version >= 1),
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);

CREATE INDEX frameworks_nation_id ON frameworks (nation, id);

-- Administrators edit capacity and blackout days; version guards their edits.
ALTER TABLE training_areas ADD COLUMN blackout_days TEXT NOT NULL DEFAULT '[]';
ALTER TABLE training_areas ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- Each booking carries the request's personnel total, so capacity per day is
-- a query over request_areas alone.
ALTER TABLE request_areas ADD COLUMN personnel INTEGER NOT NULL DEFAULT 0;
UPDATE request_areas SET personnel = (
    SELECT COALESCE(json_extract(r.details, '$.personnel.military'), 0)
         + COALESCE(json_extract(r.details, '$.personnel.civilian'), 0)
         + COALESCE(json_extract(r.details, '$.personnel.contractors'), 0)
    FROM requests r WHERE r.id = request_areas.request_id);

-- Bookings of an area overlapping a date range.
CREATE INDEX request_areas_area_from ON request_areas (area, from_date);
