package storage_test

import (
	"context"
	"slices"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestRequestAuthorsStored: a request's authors are stored with its row
// and read back in their order, by id, by reference and on a full list
// page; a new author is written by the change's own UPDATE; a request
// with none stores "[]" and reads back none.
func TestRequestAuthorsStored(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := newDraft(testID(t, 1), "NO")
		r.Authors = []string{"lo-NO"}
		createRequest(t, db, r)
		bare := newDraft(testID(t, 2), "NO")
		createRequest(t, db, bare)

		err := db.InTx(ctx, func(tx domain.Tx) error {
			got, err := tx.GetRequest(r.ID)
			if err != nil {
				return err
			}
			got.AddAuthor("lo-no2")
			got.AddAuthor("lo-\"ö\"<")
			got.Reference = "SE-2026-EXA-000001"
			got.Version++
			return tx.UpdateRequest(got, got.Version-1)
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"lo-NO", "lo-no2", "lo-\"ö\"<"}
		for _, key := range []string{r.ID, "SE-2026-EXA-000001"} {
			got, err := db.GetRequest(ctx, key)
			if err != nil || !slices.Equal(got.Authors, want) {
				t.Fatalf("GetRequest(%s): authors %q, %v; want %q", key, got.Authors, err, want)
			}
		}
		page, err := db.ListRequests(ctx, domain.RequestFilter{Nation: "NO"})
		if err != nil || len(page.Items) != 2 {
			t.Fatalf("list: %d items, %v", len(page.Items), err)
		}
		for _, it := range page.Items {
			if it.ID == r.ID && !slices.Equal(it.Authors, want) || it.ID == bare.ID && it.Authors != nil {
				t.Errorf("list: %s has authors %q", it.ID, it.Authors)
			}
		}
		var column string
		if err := db.WriterForTest().Raw("SELECT authors FROM requests WHERE id = ?", bare.ID).Scan(&column).Error; err != nil {
			t.Fatal(err)
		}
		if column != "[]" {
			t.Errorf("a request without authors stores %q, want []", column)
		}
	})
}

// TestRequestAuthorsMigration: migration 0027 gives every request stored
// before it its authors from the audit log — the creator, then whoever
// changed, submitted (a resubmission included) or withdrew it, each once,
// by the order of their first entry; approvers' decisions, refusals and
// other requests' entries add nobody — written as the server writes the
// column, so the next change by one of them does not rewrite it.
func TestRequestAuthorsMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 26)
			w := db.WriterForTest()
			if err := w.Exec("INSERT INTO nations (alpha2, alpha3, numeric_code, name) VALUES ('NO', 'NOR', '578', 'Norway')").Error; err != nil {
				t.Fatal(err)
			}
			ids := []string{testID(t, 1), testID(t, 2), testID(t, 3)}
			for i, by := range []string{"lo-no", "lo-no5", "lo-ö"} {
				if err := w.Exec(`INSERT INTO requests (id, nation, status, version, created_by, created_at, updated_at,
					exercise_name, period_start, period_end, details, conditions, warnings)
					VALUES (?, 'NO', 'draft', 1, ?, ?, ?, 'x', '2027-03-02', '2027-03-20', '{}', '[]', '[]')`,
					ids[i], by, fixedNow, fixedNow).Error; err != nil {
					t.Fatal(err)
				}
			}
			for i, e := range []struct{ actor, action, request string }{
				{"lo-no", domain.AuditRequestCreated, ids[0]},
				{"lo-no2", domain.AuditRequestUpdated, ids[0]},
				{"lo-x", domain.AuditRequestUpdated, ids[2]}, // another request's
				{"lo-no3", domain.AuditRequestSubmitted, ids[0]},
				{"hns", domain.AuditRequestDecided, ids[0]},
				{"lo-no2", domain.AuditRequestUpdated, ids[0]},
				{"lo-no", domain.AuditRequestSubmitted, ids[0]}, // the resubmission
				{"nosy", domain.AuditRequestRefused, ids[0]},
				{"lo-no4", domain.AuditRequestWithdrawn, ids[0]},
				{"lo-\"q\"", domain.AuditRequestUpdated, ids[2]},
			} {
				if err := w.Exec(`INSERT INTO audit_log (idx, at, actor, action, request_id, request_version, entry)
					VALUES (?, ?, ?, ?, ?, 1, ?)`, i, fixedNow, e.actor, e.action, e.request, []byte("{}")).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for i, want := range [][]string{
				{"lo-no", "lo-no2", "lo-no3", "lo-no4"},
				{"lo-no5"},
				{"lo-ö", "lo-x", "lo-\"q\""},
			} {
				r, err := db.GetRequest(ctx, ids[i])
				if err != nil || !slices.Equal(r.Authors, want) {
					t.Fatalf("request %d: authors %q, %v; want %q", i, r.Authors, err, want)
				}
			}
			var column string
			if err := w.Raw("SELECT authors FROM requests WHERE id = ?", ids[0]).Scan(&column).Error; err != nil {
				t.Fatal(err)
			}
			if want := `["lo-no","lo-no2","lo-no3","lo-no4"]`; column != want {
				t.Errorf("backfilled column %s, want %s as the server writes it", column, want)
			}
		})
	}
}
