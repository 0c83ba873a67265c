package storage_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// The permits' check secret is made once per database: every process on
// it, started at once or later, and the same database opened again, reads
// the same 32 bytes; another database has its own.
func TestPermitCheckSecret(t *testing.T) {
	t.Parallel()
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b := storagetest.Open(t, c.DSN), storagetest.Open(t, c.DSN) // two processes, one database
			secrets := make([][]byte, 8)
			var wg sync.WaitGroup
			for i := range secrets {
				db := a
				if i%2 == 1 {
					db = b
				}
				wg.Go(func() {
					s, err := db.PermitCheckSecret(ctx)
					if err != nil {
						t.Error(err)
					}
					secrets[i] = s
				})
			}
			wg.Wait()
			for _, s := range secrets {
				if len(s) != storage.PermitCheckSecretSize || !bytes.Equal(s, secrets[0]) {
					t.Fatalf("starters got different secrets (lengths %d and %d)", len(s), len(secrets[0]))
				}
			}
			if bytes.Equal(secrets[0], make([]byte, storage.PermitCheckSecretSize)) {
				t.Fatal("the secret is all zeros")
			}
			a.Close()
			b.Close()
			reopened := storagetest.Open(t, c.DSN)
			if again, err := reopened.PermitCheckSecret(ctx); err != nil || !bytes.Equal(again, secrets[0]) {
				t.Errorf("after reopening the database the secret changed (err %v)", err)
			}
			var rows int64
			if err := reopened.WriterForTest().Raw("SELECT COUNT(*) FROM permit_check_secret").Scan(&rows).Error; err != nil || rows != 1 {
				t.Errorf("permit_check_secret has %d rows (%v), want 1", rows, err)
			}
			var other *storage.DB
			for _, f := range storagetest.Databases(t) {
				if f.Name == c.Name {
					other = storagetest.Open(t, f.DSN)
				}
			}
			if s, err := other.PermitCheckSecret(ctx); err != nil || bytes.Equal(s, secrets[0]) {
				t.Errorf("a fresh database got the same secret (err %v)", err)
			}
		})
	}
}

// Migration 0026 holds one secret of 32 bytes and nothing else; a database
// migrated before it gets the table at its next start and the secret on
// first use.
func TestPermitCheckSecretMigration(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		w := db.WriterForTest()
		now := time.Now().UTC()
		for _, bad := range []struct {
			what   string
			id     int
			secret []byte
		}{{"a second row", 2, bytes.Repeat([]byte{1}, 32)}, {"a short secret", 1, bytes.Repeat([]byte{1}, 31)},
			{"a long secret", 1, bytes.Repeat([]byte{1}, 33)}} {
			if err := w.Exec("INSERT INTO permit_check_secret (id, secret, created_at) VALUES (?, ?, ?)", bad.id, bad.secret, now).Error; err == nil {
				t.Errorf("%s was stored", bad.what)
			}
		}
		if err := w.Exec("DROP TABLE permit_check_secret").Error; err != nil {
			t.Fatal(err)
		}
		if err := w.Exec("DELETE FROM schema_migrations WHERE version = 26").Error; err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if err := db.CheckSchema(ctx); err != nil {
			t.Errorf("after the upgrade: %v", err)
		}
		if s, err := db.PermitCheckSecret(ctx); err != nil || len(s) != storage.PermitCheckSecretSize {
			t.Errorf("secret after the upgrade: %d bytes, %v", len(s), err)
		}
	})
}
