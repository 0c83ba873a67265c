package storage

import (
	"slices"
	"strings"
	"time"

	"exaccess/domain"
)

// areaDayLoadRow is the personnel booked on one training area on one day by
// requests in review and by approved requests, each request once a day. It
// is maintained in the transaction of every change that adds or removes a
// booking (a status entering or leaving those two, or bookings edited), so
// deconfliction reads one row per day instead of every booking.
type areaDayLoadRow struct {
	Area     string  `gorm:"column:area;primaryKey"`
	Day      sqlDate `gorm:"column:day;primaryKey"`
	InReview int     `gorm:"column:in_review"`
	Approved int     `gorm:"column:approved"`
}

func (areaDayLoadRow) TableName() string { return "area_day_loads" }

// loadKey is one area and day (dateLayout).
type loadKey struct{ area, day string }

// loadShare is what one request adds to the load table: its personnel on
// every day it books an area, once a day, in the column of its status.
type loadShare map[loadKey][2]int

// shareOf computes a request's share from its status and booking rows.
// Requests in other statuses book nothing.
func shareOf(status string, areas []requestAreaRow) loadShare {
	col := -1
	switch domain.Status(status) {
	case domain.StatusInReview:
		col = 0
	case domain.StatusApproved:
		col = 1
	}
	out := loadShare{}
	if col < 0 {
		return out
	}
	for _, a := range areas {
		for d := a.FromDate.Time; !d.After(a.ToDate.Time); d = d.AddDate(0, 0, 1) {
			var v [2]int
			v[col] = a.Personnel
			out[loadKey{a.Area, d.Format(dateLayout)}] = v // once a day however bookings overlap
		}
	}
	return out
}

// loadDelta is new minus old, without the days that do not change.
func loadDelta(old, new loadShare) loadShare {
	out := loadShare{}
	for k, v := range new {
		o := old[k]
		if d := [2]int{v[0] - o[0], v[1] - o[1]}; d != [2]int{} {
			out[k] = d
		}
	}
	for k, o := range old {
		if _, ok := new[k]; !ok {
			out[k] = [2]int{-o[0], -o[1]}
		}
	}
	return out
}

// loadChunk bounds the rows of one upsert: 4 parameters a row stays far
// below SQLite's and PostgreSQL's parameter limits.
const loadChunk = 500

// applyLoads adds delta to the load table: one multi-row upsert (per 500
// days), in area and day order so that two PostgreSQL transactions touching
// the same rows lock them in one order. The property test
// TestAreaDayLoadsEqualBookingWalk proves the sums equal the bookings'.
func (t *tx) applyLoads(delta loadShare) error {
	keys := make([]loadKey, 0, len(delta))
	for k := range delta {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b loadKey) int {
		return strings.Compare(a.area+" "+a.day, b.area+" "+b.day)
	})
	for len(keys) > 0 {
		n := min(len(keys), loadChunk)
		if err := t.upsertLoads(keys[:n], delta); err != nil {
			return err
		}
		keys = keys[n:]
	}
	return nil
}

func (t *tx) upsertLoads(keys []loadKey, delta loadShare) error {
	var sb strings.Builder
	sb.WriteString("INSERT INTO area_day_loads (area, day, in_review, approved) VALUES ")
	args := make([]any, 0, 4*len(keys))
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(?, ?, ?, ?)")
		args = append(args, k.area, k.day, delta[k][0], delta[k][1])
	}
	sb.WriteString(` ON CONFLICT (area, day) DO UPDATE SET
		in_review = area_day_loads.in_review + excluded.in_review,
		approved = area_day_loads.approved + excluded.approved`)
	if t.g.Dialector.Name() == "postgres" {
		// PostgreSQL infers the parameters' types from the columns only for
		// plain VALUES; say that the day is a date.
		return translate(t.g.Exec(strings.ReplaceAll(sb.String(), "(?, ?, ?, ?)", "(?, ?::date, ?::integer, ?::integer)"), args...).Error, "area day load")
	}
	return translate(t.exec(sb.String(), args...), "area day load")
}

// AreaDayLoads reads the stored load of area from from to to, leaving out
// request exclude's own share when its stored status books the area.
func (t *tx) AreaDayLoads(area string, from, to time.Time, exclude string) ([]domain.AreaDayLoad, error) {
	rows, err := t.readDayLoads(area, from, to)
	if err != nil {
		return nil, translate(err, "area day loads")
	}
	var own loadShare
	if exclude != "" {
		p, err := t.prior(exclude)
		if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
			return nil, err
		}
		if p != nil {
			own = shareOf(p.status, p.areas)
		}
	}
	out := make([]domain.AreaDayLoad, len(rows))
	for i, r := range rows {
		mine := own[loadKey{area, r.Day.Format(dateLayout)}]
		out[i] = domain.AreaDayLoad{Day: r.Day.Time, InReview: r.InReview - mine[0], Approved: r.Approved - mine[1]}
	}
	return out, nil
}

// readDayLoads reads the load rows of area from from to to in day order,
// scanned without GORM's reflection: every submit and final approval reads
// one per booked day on the writer.
func (t *tx) readDayLoads(area string, from, to time.Time) ([]areaDayLoadRow, error) {
	rs, err := t.query("SELECT day, in_review, approved FROM area_day_loads WHERE area = ? AND day >= ? AND day <= ? ORDER BY day",
		area, newSQLDate(from), newSQLDate(to))
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []areaDayLoadRow
	for rs.Next() {
		r := areaDayLoadRow{Area: area}
		if err := rs.Scan(&r.Day, &r.InReview, &r.Approved); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rs.Err()
}
