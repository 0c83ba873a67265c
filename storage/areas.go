package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"

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

// trainingAreas reads the areas of codes (every area when codes is nil) in
// code order, in plain SQL: every submit and final approval reads its areas
// on the writer, where GORM's statement building and reflection cost more
// than the read.
func trainingAreas(g *gorm.DB, codes []string, lock bool) ([]domain.TrainingArea, error) {
	q := "SELECT " + trainingAreaColumns + " FROM training_areas"
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	switch {
	case codes == nil:
	case len(codes) == 0:
		return nil, nil
	default:
		q += " WHERE code IN (" + placeholders(len(codes)) + ")"
	}
	q += " ORDER BY code"
	if lock && g.Dialector.Name() == DialectPostgres {
		q += " FOR UPDATE"
	}
	rows, err := queryRows(g, q, args...)
	if err != nil {
		return nil, translate(err, "training areas")
	}
	defer rows.Close()
	var out []domain.TrainingArea
	for rows.Next() {
		var row trainingAreaRow
		if err := rows.Scan(&row.Code, &row.Name, &row.Near, &row.County, &row.Lat, &row.Lon, &row.ResponsibleUnit,
			&row.CapacityPersonnel, &row.Notes, &row.BlackoutDays, &row.Version); err != nil {
			return nil, translate(err, "training areas")
		}
		a, err := toDomainTrainingArea(row)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "training areas")
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

// trainingAreaColumns are the columns of trainingAreaRow in its order.
const trainingAreaColumns = "code, name, near, county, lat, lon, responsible_unit, capacity_personnel, notes, blackout_days, version"

type trainingAreaRow struct {
	Code              string  `gorm:"column:code;primaryKey"`
	Name              string  `gorm:"column:name"`
	Near              string  `gorm:"column:near"`
	County            string  `gorm:"column:county"`
	Lat               float64 `gorm:"column:lat"`
	Lon               float64 `gorm:"column:lon"`
	ResponsibleUnit   string  `gorm:"column:responsible_unit"`
	CapacityPersonnel int     `gorm:"column:capacity_personnel"`
	Notes             string  `gorm:"column:notes"`
	BlackoutDays      string  `gorm:"column:blackout_days;default:[]"` // JSON array of YYYY-MM-DD
	Version           int     `gorm:"column:version;default:1"`
}

func (trainingAreaRow) TableName() string { return "training_areas" }

func toDomainTrainingArea(row trainingAreaRow) (domain.TrainingArea, error) {
	a := domain.TrainingArea{Code: row.Code, Name: row.Name, Near: row.Near, County: row.County, Lat: row.Lat,
		Lon: row.Lon, ResponsibleUnit: row.ResponsibleUnit, CapacityPersonnel: row.CapacityPersonnel,
		Notes: row.Notes, Version: row.Version}
	days, err := decodeDates(row.BlackoutDays)
	if err != nil {
		return a, fmt.Errorf("storage: training area %s: blackout days: %w", row.Code, err)
	}
	a.BlackoutDays = days
	return a, nil
}
