-- 0007: the per-area, per-day load of training-area bookings (SQLite).
--
-- area_day_loads holds, for every training area and day, the personnel of
-- the requests in review and of the approved requests booking it, kept
-- apart, each request counted once a day however its bookings overlap.
-- Storage updates it in the transaction of every change that adds or
-- removes a booking, so deconfliction reads one row per booked day instead
-- of every other booking. (No CHECK >= 0: an upsert checks the row it would
-- insert, a negative delta, before it finds the row to add it to.)
CREATE TABLE area_day_loads (
    area      TEXT NOT NULL REFERENCES training_areas (code),
    day       TEXT NOT NULL,
    in_review INTEGER NOT NULL DEFAULT 0,
    approved  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (area, day)
) WITHOUT ROWID;

-- Existing bookings: every day of every booking of a request in review or
-- approved, each request once per area and day.
WITH RECURSIVE days (request_id, status, area, day, to_date, personnel) AS (
    SELECT ra.request_id, r.status, ra.area, ra.from_date, ra.to_date, ra.personnel
    FROM request_areas ra JOIN requests r ON r.id = ra.request_id
    WHERE r.status IN ('in_review', 'approved')
    UNION
    SELECT request_id, status, area, date(day, '+1 day'), to_date, personnel
    FROM days WHERE day < to_date
)
INSERT INTO area_day_loads (area, day, in_review, approved)
SELECT area, day,
       SUM(CASE WHEN status = 'in_review' THEN personnel ELSE 0 END),
       SUM(CASE WHEN status = 'approved' THEN personnel ELSE 0 END)
FROM (SELECT DISTINCT request_id, status, area, day, personnel FROM days)
GROUP BY area, day;
