package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/storage"
)

func TestReferenceDataLoaded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ref, err := db.Reference(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		// 36 EU and NATO states plus Switzerland (docs/product.md "Swedish practice").
		if len(ref.Nations) != 37 || len(ref.TrainingAreas) != 15 || len(ref.EntryPoints) != 23 {
			t.Fatalf("loaded %d nations, %d areas, %d entry points; want 37, 15, 23",
				len(ref.Nations), len(ref.TrainingAreas), len(ref.EntryPoints))
		}
		gb, _ := ref.Nation("UK")
		if gb.EUUntil == nil || !gb.EUUntil.Equal(day("2020-01-31")) || gb.EUFrom == nil || !gb.EUFrom.Equal(day("1973-01-01")) {
			t.Errorf("GB EU membership = %v..%v, want 1973-01-01..2020-01-31", gb.EUFrom, gb.EUUntil)
		}
		if !gb.EUMemberOn(day("2020-01-30")) || gb.EUMemberOn(day("2020-01-31")) {
			t.Error("GB membership must end on 2020-01-31 (exclusive)")
		}
		fi, _ := ref.Nation("FI")
		if fi.NATOFrom == nil || !fi.NATOFrom.Equal(day("2023-04-04")) || fi.NATOUntil != nil {
			t.Errorf("FI NATO from = %v until %v, want 2023-04-04 and open", fi.NATOFrom, fi.NATOUntil)
		}
		if at, _ := ref.Nation("AT"); at.NATOFrom != nil || at.Alpha3 != "AUT" || at.Name != "Austria" {
			t.Errorf("AT = %+v, want no NATO membership", at)
		}
		if fi.NATOFrom.Location() != time.UTC {
			t.Error("membership dates must be UTC midnights")
		}
		boden, ok := ref.TrainingArea("boden")
		if !ok || boden.CapacityPersonnel != 3000 || boden.Lat != 65.76 || boden.County != "Norrbotten" {
			t.Errorf("boden = %+v", boden)
		}
		if p, ok := ref.EntryPoint("espa"); !ok || p.Mode != "air" || p.Identifier != "ESPA" {
			t.Errorf("espa = %+v", p)
		}
	})
}

// An administrator's capacity edit survives a restart (Migrate runs again);
// nations are upserted back to the shipped facts.
func TestReferenceReloadKeepsAdminEdits(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		w := db.WriterForTest()
		if err := w.Exec("UPDATE training_areas SET capacity_personnel = 42 WHERE code = 'boden'").Error; err != nil {
			t.Fatal(err)
		}
		if err := w.Exec("UPDATE nations SET nato_member_from = NULL WHERE alpha2 = 'FI'").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		ref, err := db.Reference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := ref.TrainingArea("boden"); a.CapacityPersonnel != 42 {
			t.Errorf("boden capacity = %d after Migrate, want the edited 42", a.CapacityPersonnel)
		}
		if fi, _ := ref.Nation("FI"); fi.NATOFrom == nil {
			t.Error("FI NATO membership was not restored by the upsert")
		}
	})
}
