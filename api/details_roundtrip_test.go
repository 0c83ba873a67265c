package api

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/domain/domaintest"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestDetailsRoundTripEveryLayer fills every field of the request details by
// reflection and takes them api → domain → row → domain → api, checking the
// audit entry written with the row on the way, on SQLite and PostgreSQL. A
// field added to one layer and forgotten in another is lost somewhere on
// this path, and the test names where.
func TestDetailsRoundTripEveryLayer(t *testing.T) {
	var want domain.Details
	domaintest.Fill(&want)
	want.TrainingAreas[0].Area, want.TrainingAreas[1].Area = "ravlunda", "kilen" // the row's foreign key

	// api: every member of the JSON shape carries a value, and reads back.
	body, err := json.Marshal(toRequestInput(want))
	if err != nil {
		t.Fatal(err)
	}
	var generic any
	if err := json.Unmarshal(body, &generic); err != nil {
		t.Fatal(err)
	}
	domaintest.NoZeroLeaves(t, "api body", generic)
	var in requestInput
	if err := decodeStrict(body, &in, readOnlyFields); err != nil {
		t.Fatalf("the API refuses its own rendering: %v", err)
	}
	fromAPI, fe := toDomainDetails(in)
	if len(fe) > 0 || !reflect.DeepEqual(fromAPI, want) {
		t.Fatalf("api → domain lost fields (%v): %v", fe, domaintest.Diff(fromAPI, want))
	}

	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			stored := storeWithAudit(t, db, fromAPI)
			if !reflect.DeepEqual(stored.Details, want) {
				t.Errorf("domain → row → domain lost fields: %v", domaintest.Diff(stored.Details, want))
			}
			back, _ := json.Marshal(toRequestInput(stored.Details))
			if diff := domaintest.Diff(back, body); len(diff) > 0 {
				t.Errorf("the API shows other details than were sent: %v", diff)
			}
			entries, err := db.ListAudit(context.Background(), stored.ID)
			if err != nil || len(entries) != 1 {
				t.Fatalf("audit entries %v, %v", entries, err)
			}
			audit, _ := json.Marshal(entries[0].Data)
			if diff := domaintest.Diff(audit, body); len(diff) > 0 {
				t.Errorf("the audit entry is not what the API shows (audit ≠ api): %v", diff)
			}
		})
	}
}

// storeWithAudit creates a draft with details d and its request.created
// entry in one transaction, as the request service does, and reads it back.
func storeWithAudit(t *testing.T, db *storage.DB, d domain.Details) *domain.Request {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	r := &domain.Request{ID: "01a22bf5-0000-7000-8000-000000000001", Status: domain.StatusDraft, Version: 1,
		Nation: "NO", CreatedBy: "lo-no", CreatedAt: now, UpdatedAt: now, Details: d}
	err := db.InTx(ctx, func(tx domain.Tx) error {
		if err := tx.CreateRequest(r); err != nil {
			return err
		}
		return tx.AppendAudit(&domain.AuditEntry{At: now, Actor: "lo-no", Action: domain.AuditRequestCreated,
			RequestID: r.ID, RequestVersion: 1, Data: domain.DetailsData(d)})
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.GetRequest(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}
