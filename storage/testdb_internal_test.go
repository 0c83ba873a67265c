package storage

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"exaccess/domain"
)

// openMigrated opens a fresh, migrated SQLite database for an internal test
// and closes it when the test ends.
func openMigrated(t *testing.T) *DB {
	t.Helper()
	return openMigratedAt(t, filepath.Join(t.TempDir(), "internal.db"))
}

// openMigratedAt opens and migrates the SQLite database at path (a second
// handle on one file stands for another process).
func openMigratedAt(t *testing.T, path string) *DB {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// draftRequest is a minimal Norwegian draft with id and exercise name.
func draftRequest(id, name string) *domain.Request {
	now := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	return &domain.Request{ID: id, Status: domain.StatusDraft, Version: 1, Nation: "NO", CreatedBy: "lo",
		CreatedAt: now, UpdatedAt: now,
		Details: domain.Details{ExerciseName: name, Period: domain.Period{Start: now, End: now.AddDate(0, 0, 3)}}}
}

// createDraft stores draftRequest(id, name).
func createDraft(t *testing.T, db *DB, id, name string) *domain.Request {
	t.Helper()
	r := draftRequest(id, name)
	if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateRequest(r) }); err != nil {
		t.Fatal(err)
	}
	return r
}
