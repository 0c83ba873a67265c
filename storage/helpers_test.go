package storage_test

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// forEachDB runs test once per available database, each on a fresh,
// migrated database of its own. Having nothing shared, the calling test runs
// in parallel with the others.
func forEachDB(t *testing.T, test func(t *testing.T, db *storage.DB)) {
	t.Helper()
	t.Parallel()
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			test(t, storagetest.Open(t, c.DSN))
		})
	}
}

// testID is a UUIDv7 whose millisecond field is 2026-01-01 plus n, so ids of
// increasing n sort in increasing order, as ids made at increasing times do.
func testID(t testing.TB, n int) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[6:]); err != nil {
		t.Fatal(err)
	}
	ms := uint64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()) + uint64(n)
	var ts [8]byte
	binary.BigEndian.PutUint64(ts[:], ms)
	copy(b[:6], ts[2:])
	b[6] = b[6]&0x0f | 0x70 // version 7
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

// fixedNow is the tests' clock: microsecond precision, as storage keeps.
var fixedNow = time.Date(2026, 2, 3, 10, 11, 12, 123456000, time.UTC)

// newDraft is a minimal valid-looking draft of nation with id.
func newDraft(id, nation string) *domain.Request {
	return &domain.Request{ID: id, Status: domain.StatusDraft, Version: 1, Nation: nation, CreatedBy: "lo-" + nation,
		CreatedAt: fixedNow, UpdatedAt: fixedNow,
		Details: domain.Details{ExerciseName: "Exercise " + id[:8],
			Period:    domain.Period{Start: day("2026-03-02"), End: day("2026-03-13")},
			Personnel: domain.Personnel{Military: 10},
			Contact:   domain.Contact{Name: "Liaison", Email: "lo@example.org"}}}
}

// createRequest stores r in its own transaction.
func createRequest(t testing.TB, db *storage.DB, r *domain.Request) {
	t.Helper()
	if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateRequest(r) }); err != nil {
		t.Fatalf("create request %s: %v", r.ID, err)
	}
}

// wantCode fails unless err is a *domain.Error with code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := domain.ErrorCode(err); err == nil || got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

// openAtVersion opens the database at dsn migrated only as far as version,
// as a binary of that schema left it (a migration's own test then adds
// the rows it repairs); closed when the test ends.
func openAtVersion(t *testing.T, dsn string, version int) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.MigrateToForTest(ctx, version); err != nil {
		t.Fatal(err)
	}
	return db
}
