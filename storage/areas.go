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
	if g.Dialector.Name() != DialectPostgres && len(codes) > 0 {
		return namedTrainingAreas(g, codes)
	}
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

// namedTrainingAreas reads the areas of codes in code order, in plain SQL on
// SQLite: every submit and final approval reads its areas on the writer,
// where GORM's statement building and reflection cost more than the read.
func namedTrainingAreas(g *gorm.DB, codes []string) ([]domain.TrainingArea, error) {
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	ctx := g.Statement.Context
	if ctx == nil {
		ctx = context.Background()
	}
	rows, err := g.Statement.ConnPool.QueryContext(ctx, "SELECT "+trainingAreaColumns+
		" FROM training_areas WHERE code IN ("+placeholders(len(codes))+") ORDER BY code", args...)
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
