package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	"exaccess/domain"
)

// TestNamedTrainingAreasMatchGORM: the plain-SQL read of named areas, and of
// all of them, gives what GORM's read gives, blackout days and versions
// included; no codes at all is no areas.
func TestNamedTrainingAreasMatchGORM(t *testing.T) {
	ctx := context.Background()
	db := openMigrated(t)
	all, err := db.TrainingAreas(ctx)
	if err != nil || len(all) < 2 {
		t.Fatalf("areas: %d, %v", len(all), err)
	}
	a := all[1]
	a.BlackoutDays = []time.Time{time.Date(2027, 6, 6, 0, 0, 0, 0, time.UTC), time.Date(2027, 6, 24, 0, 0, 0, 0, time.UTC)}
	a.CapacityPersonnel++
	if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateTrainingArea(&a, a.Version) }); err != nil {
		t.Fatal(err)
	}
	codes := []string{all[1].Code, all[0].Code, "no-such-area"}
	got, err := trainingAreas(db.writer.WithContext(ctx), codes, false)
	if err != nil {
		t.Fatal(err)
	}
	var rows []trainingAreaRow
	if err := db.writer.Where("code IN ?", codes).Order("code").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	var want []domain.TrainingArea
	for _, row := range rows {
		w, err := toDomainTrainingArea(row)
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, w)
	}
	if len(want) != 2 || len(want[1].BlackoutDays) != 2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("plain SQL read\n%+v\nGORM read\n%+v", got, want)
	}
	every, err := trainingAreas(db.reader.WithContext(ctx), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var allRows []trainingAreaRow
	if err := db.reader.Order("code").Find(&allRows).Error; err != nil {
		t.Fatal(err)
	}
	if len(every) != len(allRows) || !reflect.DeepEqual(every[1], want[1]) {
		t.Fatalf("every area: %d read, %d stored", len(every), len(allRows))
	}
	if none, err := trainingAreas(db.reader.WithContext(ctx), []string{}, false); err != nil || len(none) != 0 {
		t.Fatalf("no codes: %v, %v", none, err)
	}
}
