package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestBackupRestores takes an online backup of a SQLite database with data
// and an audit trail, opens the copy as a database of its own, and finds the
// same request, users and log there.
func TestBackupRestores(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := storagetest.Open(t, filepath.Join(dir, "live.db"))
	users := domain.NewUserService(db, mustRef(t, db), time.Now, func() string { return "u-1" })
	if _, err := users.CreateUser(ctx, "system", domain.User{Username: "hns", Roles: []domain.Role{domain.RoleHNS}}, "hash"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "backup.db")
	if err := db.Backup(ctx, out); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, out); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("a second backup over the first: %v", err)
	}
	restored := storagetest.Open(t, out)
	u, err := restored.GetUserByUsername(ctx, "hns")
	if err != nil || u.Roles[0] != domain.RoleHNS {
		t.Fatalf("restored user: %v, %v", u, err)
	}
	if n, err := restored.AuditTreeSize(ctx); err != nil || n != 1 {
		t.Fatalf("restored audit log size %d, %v", n, err)
	}
	if fi, err := os.Stat(out); err != nil || fi.Size() == 0 {
		t.Fatalf("backup file: %v", err)
	}
}

func mustRef(t *testing.T, db *storage.DB) *domain.ReferenceData {
	t.Helper()
	ref, err := db.Reference(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func TestOpsQueries(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			ctx := context.Background()
			if n, err := db.OverdueStages(ctx, time.Now()); err != nil || n != 0 {
				t.Errorf("overdue on an empty database: %d, %v", n, err)
			}
			if n, err := db.AuditTreeSize(ctx); err != nil || n != 0 {
				t.Errorf("audit log size of an empty database: %d, %v", n, err)
			}
			if err := db.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			if s := db.PoolStats(); len(s) != 2 || s["writer"].OpenConnections < 1 || s["reader"].OpenConnections < 1 {
				t.Errorf("pool stats %v", s)
			}
			if c.Name != "sqlite" {
				if err := db.Backup(ctx, filepath.Join(t.TempDir(), "x")); err != storage.ErrBackupPostgres {
					t.Errorf("PostgreSQL backup: %v", err)
				}
			}
		})
	}
}

// TestBackupSyncsItsDirectory: the backup's contents are synced, and so is
// the directory entry that names it, so that a crash right after "backup
// written" cannot leave no file; a failed directory sync is an error.
func TestBackupSyncsItsDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := storagetest.Open(t, filepath.Join(dir, "live.db"))
	outDir := filepath.Join(dir, "backups")
	if err := os.Mkdir(outDir, 0o700); err != nil {
		t.Fatal(err)
	}
	var synced []string
	restore := storage.SetSyncBackupDirForTest(func(d string) error {
		synced = append(synced, d)
		return nil
	})
	defer restore()
	if err := db.Backup(ctx, filepath.Join(outDir, "a.db")); err != nil {
		t.Fatal(err)
	}
	if len(synced) != 1 || synced[0] != outDir {
		t.Fatalf("directories synced: %q, want [%q]", synced, outDir)
	}
	storage.SetSyncBackupDirForTest(func(string) error { return os.ErrPermission })
	if err := db.Backup(ctx, filepath.Join(outDir, "b.db")); err == nil || !strings.Contains(err.Error(), "sync") {
		t.Fatalf("a failed directory sync: %v", err)
	}
}
