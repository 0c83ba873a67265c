package storage

import (
	"context"
	"strings"
	"testing"

	"gorm.io/gorm"

	"exaccess/domain"
)

// A COMMIT that fails (here a foreign key checked only at commit) leaves
// SQLite's transaction open. Every caller of the batch gets the error,
// nothing of the batch is stored, and the writer connection goes back to
// the pool outside any transaction: the next batch and the writes that do
// not go through the committer work as before.
func TestFailedCommitLeavesNoTransactionOpen(t *testing.T) {
	db := openMigrated(t)
	ctx := context.Background()
	good := func(id string) func(tt *tx) error {
		return func(tt *tx) error { return tt.CreateRequest(draftRequest(id, "good")) }
	}
	badAtCommit := func(tt *tx) error {
		if err := tt.exec("PRAGMA defer_foreign_keys = ON"); err != nil {
			return err
		}
		return tt.exec(`INSERT INTO request_areas (request_id, position, area, from_date, to_date, personnel)
			VALUES ('no-such-request', 0, 'kilen', '2027-03-01', '2027-03-02', 1)`)
	}
	errs := oneBatch(t, db, good("gc-a"), badAtCommit, good("gc-b"))
	for i, err := range errs {
		if err == nil || !strings.Contains(err.Error(), "storage: commit") {
			t.Errorf("caller %d: %v, want the commit's error", i, err)
		}
	}
	for _, id := range []string{"gc-a", "gc-b"} {
		if _, err := db.GetRequest(ctx, id); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("request %s of the failed batch: %v, want not found", id, err)
		}
	}
	var areas int64
	if err := db.reader.Table("request_areas").Where("request_id = ?", "no-such-request").Count(&areas).Error; err != nil || areas != 0 {
		t.Errorf("request_areas of the failed batch: %d (%v)", areas, err)
	}
	// The next batch commits, and so does a write beside the committer
	// (it would fail with "cannot start a transaction within a
	// transaction" on a connection left inside one).
	if errs := oneBatch(t, db, good("gc-c")); errs[0] != nil {
		t.Fatalf("the next batch: %v", errs[0])
	}
	if err := db.writer.Exec("DELETE FROM idempotency_keys").Error; err != nil {
		t.Fatalf("a write beside the committer: %v", err)
	}
	if err := db.writer.Transaction(func(g *gorm.DB) error { return g.Exec("DELETE FROM idempotency_keys").Error }); err != nil {
		t.Fatalf("a transaction beside the committer: %v", err)
	}
	if _, err := db.GetRequest(ctx, "gc-c"); err != nil {
		t.Fatalf("the next batch's request: %v", err)
	}
}

// leaveNoTransaction ends a transaction a batch left open, and leaves a
// connection outside one alone.
func TestLeaveNoTransaction(t *testing.T) {
	db := openMigrated(t)
	err := db.writer.Connection(func(g *gorm.DB) error {
		if err := g.Exec("BEGIN IMMEDIATE").Error; err != nil {
			return err
		}
		if err := g.Exec("DELETE FROM nations").Error; err != nil {
			return err
		}
		leaveNoTransaction(g)
		leaveNoTransaction(g) // outside a transaction now: nothing to do
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := db.writer.Table("nations").Count(&n).Error; err != nil || n == 0 {
		t.Fatalf("nations after the rolled-back delete: %d (%v), want the reference data", n, err)
	}
	if err := db.writer.Transaction(func(g *gorm.DB) error { return g.Exec("DELETE FROM idempotency_keys").Error }); err != nil {
		t.Fatalf("a transaction on the connection afterwards: %v", err)
	}
}
