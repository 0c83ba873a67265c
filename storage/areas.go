package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// TrainingAreas reads every area with its current capacity and blackout days.
func (d *DB) TrainingAreas(ctx context.Context) ([]domain.TrainingArea, error) {
	return trainingAreas(d.reader.WithContext(ctx), nil, false)
}

// TrainingAreas reads the named areas inside the transaction; with lock it
// takes their row locks (FOR UPDATE on PostgreSQL; SQLite's single writer
// already serializes), in code order so that two lockers never deadlock.
func (t *tx) TrainingAreas(codes []string, lock bool) ([]domain.TrainingArea, error) {
	return trainingAreas(t.g, codes, lock)
}

func trainingAreas(g *gorm.DB, codes []string, lock bool) ([]domain.TrainingArea, error) {
	q := g.Model(&trainingAreaRow{})
	if codes != nil {
		q = q.Where("code IN ?", codes)
	}
	if lock && g.Dialector.Name() == "postgres" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	var rows []trainingAreaRow
	if err := q.Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err, "training areas")
	}
	out := make([]domain.TrainingArea, len(rows))
	for i, row := range rows {
		a, err := toDomainTrainingArea(row)
		if err != nil {
			return nil, err
		}
		out[i] = a
	}
	return out, nil
}

// UpdateTrainingArea stores capacity and blackout days if the stored version
// is still expectedVersion.
func (t *tx) UpdateTrainingArea(a *domain.TrainingArea, expectedVersion int) error {
	days, err := encodeDates(a.BlackoutDays)
	if err != nil {
		return err
	}
	res := t.g.Model(&trainingAreaRow{}).Where("code = ? AND version = ?", a.Code, expectedVersion).
		Updates(map[string]any{"capacity_personnel": a.CapacityPersonnel, "blackout_days": days, "version": a.Version})
	if res.Error != nil {
		return translate(res.Error, "training area")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.CodePreconditionFailed, "the training area has changed since version %d", expectedVersion)
	}
	return nil
}

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

func encodeDates(days []time.Time) (string, error) {
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = d.Format(dateLayout)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return "", fmt.Errorf("storage: encode dates: %w", err)
	}
	return string(b), nil
}

func decodeDates(s string) ([]time.Time, error) {
	if s == "" {
		return nil, nil
	}
	var raw []string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	out := make([]time.Time, len(raw))
	for i, r := range raw {
		d, err := time.Parse(dateLayout, r)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}
