package storage

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"
	"testing"
	"time"

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

// A batch ends no transaction open on the connection, and leaves a
// connection outside one alone.
func TestBatchConnEndsTheTransaction(t *testing.T) {
	db := openMigrated(t)
	err := db.writer.Connection(func(g *gorm.DB) error {
		conn := &batchConn{Conn: g.Statement.ConnPool.(*sql.Conn)}
		if err := conn.exec("BEGIN IMMEDIATE"); err != nil {
			return err
		}
		if err := conn.exec("DELETE FROM nations"); err != nil {
			return err
		}
		conn.end()
		conn.end() // outside a transaction now: nothing to do
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

// A caller that leaves a result set open does not keep the writer
// connection from going back to the pool: the batch closes it, as a
// database/sql transaction would, and the next write goes through.
// (Without that, the batch itself never returns: the test times out.)
func TestOpenRowsDoNotStallTheCommitter(t *testing.T) {
	db := openMigrated(t)
	errs := oneBatch(t, db, func(tt *tx) error {
		if _, err := tt.query("SELECT alpha2 FROM nations"); err != nil { // never closed
			return err
		}
		return tt.CreateRequest(draftRequest("left-open", "left open"))
	})
	if errs[0] != nil {
		t.Fatal(errs[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.InTx(ctx, func(x domain.Tx) error { return x.CreateRequest(draftRequest("after", "after")) }); err != nil {
		t.Fatalf("the next write: %v", err)
	}
	if _, err := db.GetRequest(ctx, "left-open"); err != nil {
		t.Fatalf("the batch's request: %v", err)
	}
}

// A writer connection that replaces one the pool closed (as batchConn.end
// closes one it cannot take out of a transaction) has the writer's
// settings too, the automatic checkpoint among them.
func TestReplacedWriterConnectionKeepsItsSettings(t *testing.T) {
	db := openMigrated(t)
	autoCheckpoint := func() int {
		t.Helper()
		var n int
		if err := db.writer.Raw("PRAGMA wal_autocheckpoint").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := autoCheckpoint(); got != writerAutoCheckpoint {
		t.Fatalf("first writer connection: wal_autocheckpoint %d, want %d", got, writerAutoCheckpoint)
	}
	err := db.writer.Connection(func(g *gorm.DB) error {
		return g.Statement.ConnPool.(*sql.Conn).Raw(func(any) error { return driver.ErrBadConn })
	})
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("closing the writer connection: %v", err)
	}
	if got := autoCheckpoint(); got != writerAutoCheckpoint {
		t.Fatalf("the connection that replaced it: wal_autocheckpoint %d, want %d", got, writerAutoCheckpoint)
	}
}
