package storage

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"exaccess/domain"
)

// BenchmarkDirectoryBulkImport is a bulk import of accounts on SQLite
// while notifications go out: N accounts created one per transaction (as
// `exaccess user add` in a loop, or an admin's POST /api/v1/users, does),
// each followed by a change that fans out a notification to the
// operations approvers, which has the committer check its notification
// directory (directory.go) against the account just added. One op is the
// whole import into a fresh database of three approvers; ns/account is
// one account and its notification.
//
//	go test -run '^$' -bench DirectoryBulkImport -benchtime 1x ./storage/
func BenchmarkDirectoryBulkImport(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			var took time.Duration
			for i := range b.N {
				b.StopTimer()
				db := openBenchDirectory(b, filepath.Join(b.TempDir(), fmt.Sprintf("import%d.db", i)))
				b.StartTimer()
				start := time.Now()
				bulkImport(b, db, n)
				took += time.Since(start)
				b.StopTimer()
				db.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(took.Nanoseconds())/float64(b.N*n), "ns/account")
		})
	}
}

// openBenchDirectory is a migrated database with three operations
// approvers, its directory read once.
func openBenchDirectory(b *testing.B, path string) *DB {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	err = db.InTx(ctx, func(x domain.Tx) error {
		for i := range 3 {
			u := &domain.User{Username: fmt.Sprintf("ops%d", i), PasswordHash: "h", CreatedAt: dirBase,
				Roles: []domain.Role{domain.RoleOperations}, Email: fmt.Sprintf("ops%d@example.org", i)}
			if err := x.CreateUser(u); err != nil {
				return err
			}
		}
		return notify(domain.Audience{Role: domain.RoleOperations}, "warm")(x.(*tx))
	})
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// bulkImport creates n liaison officers, each in its own transaction and
// each followed by a notification to the operations approvers in another.
func bulkImport(b *testing.B, db *DB, n int) {
	ctx := context.Background()
	nations := []string{"NO", "DE", "AT", "DK", "FI"}
	ops := domain.Audience{Role: domain.RoleOperations}
	for i := range n {
		u := &domain.User{Username: fmt.Sprintf("lo%05d", i), PasswordHash: "h", CreatedAt: dirBase,
			Roles: []domain.Role{domain.RoleLiaison}, Nation: nations[i%len(nations)], Email: fmt.Sprintf("lo%05d@example.org", i)}
		if err := db.InTx(ctx, func(x domain.Tx) error { return x.CreateUser(u) }); err != nil {
			b.Fatal(err)
		}
		id := fmt.Sprintf("r%05d", i)
		if err := db.InTx(ctx, func(x domain.Tx) error { return notify(ops, id)(x.(*tx)) }); err != nil {
			b.Fatal(err)
		}
	}
}
