package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"exaccess/storage"
	"exaccess/storage/storagetest"
)

func TestMigrateFromEmpty(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := storage.Open(ctx, c.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if db.Dialect() != c.Name {
				t.Errorf("Dialect() = %q, want %q", db.Dialect(), c.Name)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != 0 {
				t.Fatalf("empty database: SchemaVersion = %d, %v; want 0", v, err)
			}
			if err := db.CheckSchema(ctx); err == nil {
				t.Error("CheckSchema on an empty database = nil, want an error (not ready)")
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v != storage.LatestVersion() || v < 1 {
				t.Fatalf("SchemaVersion = %d, %v; want LatestVersion %d", v, err, storage.LatestVersion())
			}
			if err := db.CheckSchema(ctx); err != nil {
				t.Errorf("CheckSchema after Migrate: %v", err)
			}
		})
	}
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		before := migrationRows(t, db)
		if err := db.Migrate(ctx); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if after := migrationRows(t, db); after != before {
			t.Errorf("schema_migrations changed on a second Migrate:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// migrationRows renders schema_migrations, applied_at included.
func migrationRows(t *testing.T, db *storage.DB) string {
	t.Helper()
	var rows []struct {
		Version   int
		AppliedAt time.Time
	}
	if err := db.WriterForTest().Raw("SELECT version, applied_at FROM schema_migrations ORDER BY version").Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(rows)
}

func TestMigrateRefusesNewerDatabase(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		newer := storage.LatestVersion() + 1
		if err := db.WriterForTest().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
			newer, time.Now().UTC()).Error; err != nil {
			t.Fatal(err)
		}
		err := db.Migrate(ctx)
		if !errors.Is(err, storage.ErrSchemaTooNew) {
			t.Fatalf("Migrate on a newer database = %v, want ErrSchemaTooNew", err)
		}
		for _, v := range []int{newer, storage.LatestVersion()} {
			if !strings.Contains(err.Error(), fmt.Sprintf("version %d", v)) {
				t.Errorf("error %q does not name version %d", err, v)
			}
		}
		if !errors.Is(db.CheckSchema(ctx), storage.ErrSchemaTooNew) {
			t.Error("CheckSchema does not report the newer schema")
		}
	})
}

// Two processes starting at once against one empty database: both succeed,
// and every migration is applied exactly once.
func TestMigrateConcurrently(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			var dbs []*storage.DB
			for range 3 {
				db, err := storage.Open(ctx, c.DSN)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				dbs = append(dbs, db)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(dbs))
			for i, db := range dbs {
				wg.Go(func() { errs[i] = db.Migrate(ctx) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("Migrate #%d: %v", i, err)
				}
			}
			var n int64
			if err := dbs[0].WriterForTest().Raw("SELECT COUNT(*) FROM schema_migrations").Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			if n != int64(storage.LatestVersion()) {
				t.Errorf("schema_migrations has %d rows, want %d", n, storage.LatestVersion())
			}
		})
	}
}

// CheckAuditSchema: the audit verifier reads a database of any version from
// the one that last changed its tables (AuditTablesVersion) to the latest,
// as it stands, and refuses one older than that or newer than this binary.
// At AuditTablesVersion every table it reads is there.
func TestCheckAuditSchemaOfOlderDatabases(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := storage.Open(ctx, c.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.MigrateToForTest(ctx, storage.AuditTablesVersion-1); err != nil {
				t.Fatal(err)
			}
			if err := db.CheckAuditSchema(ctx); err == nil || errors.Is(err, storage.ErrSchemaTooNew) ||
				!strings.Contains(err.Error(), fmt.Sprintf("schema version %d, older than the audit tables", storage.AuditTablesVersion-1)) {
				t.Errorf("version %d: %v", storage.AuditTablesVersion-1, err)
			}
			for _, v := range []int{storage.AuditTablesVersion, storage.LatestVersion() - 1, storage.LatestVersion()} {
				if err := db.MigrateToForTest(ctx, v); err != nil {
					t.Fatal(err)
				}
				if err := db.CheckAuditSchema(ctx); err != nil {
					t.Errorf("version %d: %v", v, err)
				}
				if _, err := db.AuditTreeSize(ctx); err != nil {
					t.Errorf("version %d: tree size: %v", v, err)
				}
				none := func(int64, string) error { return nil }
				if err := db.StreamAuditCheckpoints(ctx, none); err != nil {
					t.Errorf("version %d: checkpoints: %v", v, err)
				}
				if err := db.StreamAuditRows(ctx, func(int64, []byte, string) error { return nil }); err != nil {
					t.Errorf("version %d: rows: %v", v, err)
				}
				if err := db.StreamAuditHashes(ctx, func(int64, tlog.Hash) error { return nil }); err != nil {
					t.Errorf("version %d: hashes: %v", v, err)
				}
				if _, err := db.AuditCheckpoints(ctx, -1, 10); err != nil {
					t.Errorf("version %d: kept checkpoints: %v", v, err)
				}
			}
			if err := db.WriterForTest().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
				storage.LatestVersion()+1, time.Now().UTC()).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.CheckAuditSchema(ctx); !errors.Is(err, storage.ErrSchemaTooNew) {
				t.Errorf("a newer database: %v", err)
			}
		})
	}
}
