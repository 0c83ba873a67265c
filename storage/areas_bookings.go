package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// bookingRow is a request_areas row joined with its request.
type bookingRow struct {
	RequestID string
	Reference *string
	Nation    string
	Status    string
	Area      string
	FromDate  sqlDate
	ToDate    sqlDate
	Personnel int
}

// ListBookings returns the bookings of requests in review or approved on
// area that overlap from..to, by start date.
func (d *DB) ListBookings(ctx context.Context, area string, from, to time.Time) ([]domain.Booking, error) {
	return listBookings(d.reader.WithContext(ctx), area, from, to, domain.BookingStatuses)
}

// ListBookings is the same inside the transaction, for the given statuses.
func (t *tx) ListBookings(area string, from, to time.Time, statuses []domain.Status) ([]domain.Booking, error) {
	return listBookings(t.g, area, from, to, statuses)
}

func listBookings(g *gorm.DB, area string, from, to time.Time, statuses []domain.Status) ([]domain.Booking, error) {
	st := make([]string, len(statuses))
	for i, s := range statuses {
		st[i] = string(s)
	}
	var rows []bookingRow
	err := g.Table("request_areas ra").
		Select("ra.request_id, r.reference, r.nation, r.status, ra.area, ra.from_date, ra.to_date, ra.personnel").
		Joins("JOIN requests r ON r.id = ra.request_id").
		Where("ra.area = ? AND ra.from_date <= ? AND ra.to_date >= ? AND r.status IN ?", area, newSQLDate(to), newSQLDate(from), st).
		Order("ra.from_date, ra.request_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "bookings")
	}
	out := make([]domain.Booking, len(rows))
	for i, r := range rows {
		out[i] = domain.Booking{RequestID: r.RequestID, Reference: derefString(r.Reference), Nation: r.Nation,
			Status: domain.Status(r.Status), Area: r.Area, From: r.FromDate.Time, To: r.ToDate.Time, Personnel: r.Personnel}
	}
	return out, nil
}
