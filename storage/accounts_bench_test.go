package storage_test

import (
	"context"
	"fmt"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// BenchmarkAccountStates is the read every server process makes once a
// second to honour account changes (domain.AccountCache): the generation
// and disabled flag of every account, here 5,000 of them on SQLite (and
// PostgreSQL when configured).
//
//	go test -run '^$' -bench AccountStates -benchtime 200x ./storage/
func BenchmarkAccountStates(b *testing.B) {
	const n = 5000
	for _, c := range storagetest.Databases(b) {
		b.Run(c.Name, func(b *testing.B) {
			benchAccountStates(b, storagetest.Open(b, c.DSN), n)
		})
	}
}

func benchAccountStates(b *testing.B, db *storage.DB, n int) {
	ctx := context.Background()
	have, err := db.CountUsers(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if have == int64(n) { // seeded by an earlier round of this benchmark
		b.ResetTimer()
		runAccountStates(b, db, n)
		return
	}
	err = db.InTx(ctx, func(tx domain.Tx) error {
		for i := range n {
			u := &domain.User{ID: fmt.Sprintf("u%05d", i), Username: fmt.Sprintf("user%05d", i), PasswordHash: "h",
				Roles: []domain.Role{domain.RoleHNS}, CreatedAt: fixedNow}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	runAccountStates(b, db, n)
}

func runAccountStates(b *testing.B, db *storage.DB, n int) {
	for range b.N {
		states, err := db.AccountStates(context.Background())
		if err != nil || len(states) != n {
			b.Fatalf("%d states, %v", len(states), err)
		}
	}
}
