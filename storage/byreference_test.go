package storage_test

import (
	"context"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// TestGetRequestByReference: a request is found by its id or its human
// reference, outside and inside a transaction; a list filters by reference.
func TestGetRequestByReference(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		a, b := newDraft(testID(t, 1), "NO"), newDraft(testID(t, 2), "DE")
		a.Reference, b.Reference = "SE-2026-EXA-000001", "SE-2026-EXA-000002"
		createRequest(t, db, a)
		createRequest(t, db, b)
		got, err := db.GetRequest(ctx, "SE-2026-EXA-000002")
		if err != nil || got.ID != b.ID {
			t.Fatalf("by reference: %v, %v", got, err)
		}
		err = db.InTx(ctx, func(tx domain.Tx) error {
			got, err := tx.GetRequest("SE-2026-EXA-000001")
			if err == nil && got.ID != a.ID {
				t.Errorf("in a transaction: %s", got.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = db.GetRequest(ctx, "SE-2026-EXA-000009")
		wantCode(t, err, domain.CodeNotFound)
		page, err := db.ListRequests(ctx, domain.RequestFilter{Reference: "SE-2026-EXA-000001", Limit: 10})
		if err != nil || len(page.Items) != 1 || page.Items[0].ID != a.ID {
			t.Fatalf("list by reference: %+v, %v", page, err)
		}
		page, err = db.ListRequests(ctx, domain.RequestFilter{Reference: "SE-2026-EXA-000001", Nation: "DE", Limit: 10})
		if err != nil || len(page.Items) != 0 {
			t.Fatalf("list by reference and another nation: %+v, %v", page, err)
		}
	})
}
