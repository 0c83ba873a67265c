package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// refusals counts actor's request.refused entries on requestID ("": those
// on no request, the missing ids tried).
func refusals(t *testing.T, db *storage.DB, actor, requestID string) int {
	t.Helper()
	entries, err := db.ListAudit(context.Background(), requestID)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if e.Action == domain.AuditRequestRefused && e.Actor == actor {
			n++
		}
	}
	return n
}

// TestRefusalRecordedOncePerWindow: the same refusal repeated — by id or
// by reference — is written once per window; another actor, another
// attempt, a missing id and the end of the window each write one more.
// Every repeat still counts as suppressed.
func TestRefusalRecordedOncePerWindow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := newDraft(testID(t, 1), "NO")
		r.Reference = "SE-2026-EXA-000001"
		createRequest(t, db, r)
		now := fixedNow
		log := domain.NewRefusalLog(db, func() time.Time { return now }, domain.NewRefusalMemory(time.Hour, 100))
		de := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
		at := domain.Principal{Subject: "lo-at", Roles: []domain.Role{domain.RoleLiaison}, Nation: "AT"}
		refuse := func(p domain.Principal, id, attempted string) {
			t.Helper()
			if err := log.Record(ctx, p, id, attempted, domain.ErrNotFound("request")); err != nil {
				t.Fatal(err)
			}
		}
		for range 20 {
			refuse(de, r.ID, "GET /api/v1/requests/:id")
			refuse(de, r.Reference, "GET /api/v1/requests/:id") // the same request by its reference
		}
		if n := refusals(t, db, "lo-de", r.ID); n != 1 {
			t.Fatalf("40 same refusals wrote %d entries on the request, want 1", n)
		}
		if got := log.Suppressed(); got != 39 {
			t.Errorf("suppressed %d, want 39", got)
		}
		refuse(at, r.ID, "GET /api/v1/requests/:id")               // another actor
		refuse(de, r.ID, "GET /api/v1/requests/:id/history")       // another attempt
		refuse(de, r.ID, "GET /api/v1/requests/:id/history")       // … repeated
		refuse(de, testID(t, 99), "GET /api/v1/requests/:id")      // a missing id: recorded, with the id
		refuse(de, testID(t, 99)[:10], "GET /api/v1/requests/:id") // another missing id
		refuse(de, testID(t, 99)[:10], "GET /api/v1/requests/:id") // … repeated
		if n := refusals(t, db, "lo-de", r.ID); n != 2 {
			t.Errorf("lo-de has %d entries on the request, want 2 (read, history)", n)
		}
		if n := refusals(t, db, "lo-at", r.ID); n != 1 {
			t.Errorf("lo-at has %d entries on the request, want 1", n)
		}
		if n := refusals(t, db, "lo-de", ""); n != 2 {
			t.Errorf("lo-de has %d entries on missing ids, want 2", n)
		}
		now = now.Add(59 * time.Minute)
		refuse(de, r.ID, "GET /api/v1/requests/:id")
		if n := refusals(t, db, "lo-de", r.ID); n != 2 {
			t.Errorf("within the hour: %d entries, want still 2", n)
		}
		now = now.Add(time.Minute) // an hour after the first
		refuse(de, r.ID, "GET /api/v1/requests/:id")
		refuse(de, r.ID, "GET /api/v1/requests/:id")
		if n := refusals(t, db, "lo-de", r.ID); n != 3 {
			t.Errorf("after the hour: %d entries, want 3", n)
		}
	})
}

// TestRefusalNotWrittenIsNotRemembered: a refusal whose entry could not be
// written is not taken for recorded: the next one is written.
func TestRefusalNotWrittenIsNotRemembered(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		store := &faultyStore{DB: db, failAppend: true}
		log := domain.NewRefusalLog(store, func() time.Time { return fixedNow }, domain.NewRefusalMemory(time.Hour, 100))
		de := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
		if err := log.Record(ctx, de, r.ID, "GET", domain.ErrNotFound("request")); !errors.Is(err, errAppend) {
			t.Fatalf("record: %v, want the append's error", err)
		}
		store.failAppend = false
		if err := log.Record(ctx, de, r.ID, "GET", domain.ErrNotFound("request")); err != nil {
			t.Fatal(err)
		}
		if n := refusals(t, db, "lo-de", r.ID); n != 1 {
			t.Errorf("%d entries after a failed and a good record, want 1", n)
		}
	})
}

// TestRefusalKeepsNoControlsOfTheTriedID: a refused attempt on a missing
// id keeps the id tried with its bidirectional controls and line breaks
// (which would reverse or split the console's audit page's text) each
// shown as U+FFFD.
func TestRefusalKeepsNoControlsOfTheTriedID(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		log := domain.NewRefusalLog(db, func() time.Time { return fixedNow }, nil)
		de := domain.Principal{Subject: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"}
		for _, id := range []string{"x\u202Ey\n", "SE-2026-EXA-000001\u202E\nexport by admin\u2066"} {
			if err := log.Record(ctx, de, id, "GET /api/v1/requests/:id", domain.ErrNotFound("request")); err != nil {
				t.Fatal(err)
			}
		}
		entries, err := db.ListAudit(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var tried []string
		for _, e := range entries {
			if e.Action == domain.AuditRequestRefused {
				tried = append(tried, fmt.Sprint(e.Data["unknown_request_id"]))
			}
		}
		if want := []string{"x\uFFFDy\uFFFD", "SE-2026-EXA-000001\uFFFD\uFFFDexport by admin\uFFFD"}; !slices.Equal(tried, want) {
			t.Errorf("ids kept %q, want %q", tried, want)
		}
	})
}
