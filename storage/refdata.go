package storage

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"strconv"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"exaccess/domain"
)

// refdataFiles are the reference data of the default installation, copied
// from the product specification's data directory.
//
//go:embed refdata/*.csv
var refdataFiles embed.FS

// loadReferenceData writes the embedded reference data. Nations are upserted:
// membership dates are facts this binary ships, and a newer binary may
// correct them. Training areas and entry points are inserted only if absent,
// so an administrator's edits (capacity, notes) survive every restart.
func loadReferenceData(tx *gorm.DB) error {
	nations, err := readNations()
	if err != nil {
		return err
	}
	areas, err := readTrainingAreas()
	if err != nil {
		return err
	}
	points, err := readEntryPoints()
	if err != nil {
		return err
	}
	upsert := clause.OnConflict{Columns: []clause.Column{{Name: "alpha2"}}, DoUpdates: clause.AssignmentColumns(
		[]string{"alpha3", "numeric_code", "name", "eu_member_from", "eu_member_until", "nato_member_from",
			"nato_member_until", "notes"})}
	if err := tx.Clauses(upsert).Create(&nations).Error; err != nil {
		return fmt.Errorf("storage: load nations: %w", err)
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&areas).Error; err != nil {
		return fmt.Errorf("storage: load training areas: %w", err)
	}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&points).Error; err != nil {
		return fmt.Errorf("storage: load entry points: %w", err)
	}
	return nil
}

// Reference loads all reference data, ordered by code, for the in-memory
// lookups the domain validates against.
func (d *DB) Reference(ctx context.Context) (*domain.ReferenceData, error) {
	g := d.reader.WithContext(ctx)
	var nations []nationRow
	var areas []trainingAreaRow
	var points []entryPointRow
	if err := g.Order("alpha2").Find(&nations).Error; err != nil {
		return nil, fmt.Errorf("storage: read nations: %w", err)
	}
	if err := g.Order("code").Find(&areas).Error; err != nil {
		return nil, fmt.Errorf("storage: read training areas: %w", err)
	}
	if err := g.Order("code").Find(&points).Error; err != nil {
		return nil, fmt.Errorf("storage: read entry points: %w", err)
	}
	domainAreas := make([]domain.TrainingArea, len(areas))
	for i, row := range areas {
		a, err := toDomainTrainingArea(row)
		if err != nil {
			return nil, err
		}
		domainAreas[i] = a
	}
	return domain.NewReferenceData(mapSlice(nations, toDomainNation), domainAreas,
		mapSlice(points, toDomainEntryPoint)), nil
}

func readNations() ([]nationRow, error) {
	return readCSV("nations.csv", func(r csvRecord) (nationRow, error) {
		row := nationRow{Alpha2: r.get("alpha2"), Alpha3: r.get("alpha3"), NumericCode: r.get("numeric"),
			Name: r.get("name"), Notes: r.get("notes")}
		for _, f := range []struct {
			col string
			dst *sqlDate
		}{
			{"eu_member_from", &row.EUMemberFrom}, {"eu_member_until", &row.EUMemberUntil},
			{"nato_member_from", &row.NATOMemberFrom}, {"nato_member_until", &row.NATOMemberUntil},
		} {
			// An empty cell (or a column the file lacks) is NULL: never a member, or still one.
			if v := r.get(f.col); v != "" {
				if err := f.dst.parse(v); err != nil {
					return row, err
				}
			}
		}
		return row, nil
	})
}

func readTrainingAreas() ([]trainingAreaRow, error) {
	return readCSV("training-areas.csv", func(r csvRecord) (trainingAreaRow, error) {
		lat, err1 := strconv.ParseFloat(r.get("lat"), 64)
		lon, err2 := strconv.ParseFloat(r.get("lon"), 64)
		capacity, err3 := strconv.Atoi(r.get("capacity_personnel"))
		if err1 != nil || err2 != nil || err3 != nil {
			return trainingAreaRow{}, fmt.Errorf("bad number in %v", r.values)
		}
		return trainingAreaRow{Code: r.get("code"), Name: r.get("name"), Near: r.get("near"), County: r.get("county"),
			Lat: lat, Lon: lon, ResponsibleUnit: r.get("responsible_unit"), CapacityPersonnel: capacity,
			Notes: r.get("notes"), BlackoutDays: "[]", Version: 1}, nil
	})
}

func readEntryPoints() ([]entryPointRow, error) {
	return readCSV("entry-points.csv", func(r csvRecord) (entryPointRow, error) {
		return entryPointRow{Code: r.get("code"), Name: r.get("name"), Mode: r.get("mode"),
			Identifier: r.get("identifier"), Neighbour: r.get("neighbour"), Notes: r.get("notes")}, nil
	})
}

// csvRecord is one line, read by column name so that a reordered or extended
// file still loads.
type csvRecord struct {
	header map[string]int
	values []string
}

func (r csvRecord) get(col string) string {
	if i, ok := r.header[col]; ok && i < len(r.values) {
		return r.values[i]
	}
	return ""
}

func readCSV[T any](name string, parse func(csvRecord) (T, error)) ([]T, error) {
	f, err := refdataFiles.Open("refdata/" + name)
	if err != nil {
		return nil, fmt.Errorf("storage: refdata: %w", err)
	}
	defer f.Close()
	lines, err := csv.NewReader(f).ReadAll()
	if err != nil || len(lines) == 0 {
		return nil, fmt.Errorf("storage: refdata/%s: unreadable or empty: %v", name, err)
	}
	header := map[string]int{}
	for i, col := range lines[0] {
		header[col] = i
	}
	out := make([]T, 0, len(lines)-1)
	for n, line := range lines[1:] {
		v, err := parse(csvRecord{header: header, values: line})
		if err != nil {
			return nil, fmt.Errorf("storage: refdata/%s line %d: %w", name, n+2, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// EmbeddedReference is the reference data this binary ships, read without a
// database: for offline tools such as `exaccess policy test`.
func EmbeddedReference() (*domain.ReferenceData, error) {
	nations, err := readNations()
	if err != nil {
		return nil, err
	}
	areas, err := readTrainingAreas()
	if err != nil {
		return nil, err
	}
	points, err := readEntryPoints()
	if err != nil {
		return nil, err
	}
	domainAreas := make([]domain.TrainingArea, len(areas))
	for i, row := range areas {
		if domainAreas[i], err = toDomainTrainingArea(row); err != nil {
			return nil, err
		}
	}
	return domain.NewReferenceData(mapSlice(nations, toDomainNation), domainAreas,
		mapSlice(points, toDomainEntryPoint)), nil
}

type nationRow struct {
	Alpha2          string  `gorm:"column:alpha2;primaryKey"`
	Alpha3          string  `gorm:"column:alpha3"`
	NumericCode     string  `gorm:"column:numeric_code"`
	Name            string  `gorm:"column:name"`
	EUMemberFrom    sqlDate `gorm:"column:eu_member_from"`
	EUMemberUntil   sqlDate `gorm:"column:eu_member_until"`
	NATOMemberFrom  sqlDate `gorm:"column:nato_member_from"`
	NATOMemberUntil sqlDate `gorm:"column:nato_member_until"`
	Notes           string  `gorm:"column:notes"`
}

func (nationRow) TableName() string { return "nations" }

func toDomainNation(row nationRow) domain.Nation {
	return domain.Nation{Code: row.Alpha2, Alpha3: row.Alpha3, Name: row.Name,
		EUFrom: row.EUMemberFrom.ptr(), EUUntil: row.EUMemberUntil.ptr(),
		NATOFrom: row.NATOMemberFrom.ptr(), NATOUntil: row.NATOMemberUntil.ptr(), Notes: row.Notes}
}

type entryPointRow struct {
	Code       string `gorm:"column:code;primaryKey"`
	Name       string `gorm:"column:name"`
	Mode       string `gorm:"column:mode"`
	Identifier string `gorm:"column:identifier"`
	Neighbour  string `gorm:"column:neighbour"`
	Notes      string `gorm:"column:notes"`
}

func (entryPointRow) TableName() string { return "entry_points" }

func toDomainEntryPoint(row entryPointRow) domain.EntryPoint {
	return domain.EntryPoint(row)
}
