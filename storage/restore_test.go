package storage_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"

	"exaccess/storage"
)

// migrated creates an exaccess database at path and closes it.
func migrated(t *testing.T, path string) {
	t.Helper()
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// hasTable tells whether the SQLite database at path has the table.
func hasTable(t *testing.T, path, table string) bool {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name = ?", table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// Two restores within one second both keep the database they replaced:
// the second is moved aside under a name of its own, not over the first.
func TestRestoreTwiceInOneSecondKeepsBoth(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	live, backup := filepath.Join(dir, "live.db"), filepath.Join(dir, "backup.db")
	migrated(t, live)
	migrated(t, backup)
	mark(t, live, "first_live")
	now := time.Date(2026, 12, 1, 2, 13, 23, 0, time.UTC)
	first, err := storage.Restore(ctx, backup, live, now)
	if err != nil {
		t.Fatal(err)
	}
	second, err := storage.Restore(ctx, backup, live, now)
	if err != nil {
		t.Fatal(err)
	}
	if first.Replaced == "" || second.Replaced == "" || first.Replaced == second.Replaced {
		t.Fatalf("moved aside to %q and then %q", first.Replaced, second.Replaced)
	}
	if !hasTable(t, first.Replaced, "first_live") {
		t.Errorf("%s no longer holds the database the first restore replaced", filepath.Base(first.Replaced))
	}
}

// A backup with a write-ahead log beside it (a copy of a stopped server's
// files, or a database an earlier restore moved aside) keeps the commits
// in that log.
func TestRestoreKeepsTheBackupsWriteAheadLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, backup, live := filepath.Join(dir, "src.db"), filepath.Join(dir, "backup.db"), filepath.Join(dir, "live.db")
	migrated(t, src)
	// A commit that stays in the write-ahead log: copy the files while the
	// connection that made it is still open, as a crash would leave them.
	raw, err := sql.Open("sqlite3", "file:"+src+"?_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA wal_autocheckpoint = 0", "CREATE TABLE in_the_wal (x)", "INSERT INTO in_the_wal VALUES (1)"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(src + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if suffix == "-wal" && len(b) == 0 {
			t.Fatal("the commit is not in the write-ahead log")
		}
		if err := os.WriteFile(backup+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := storage.Restore(ctx, backup, live, time.Now()); err != nil {
		t.Fatal(err)
	}
	if !hasTable(t, live, "in_the_wal") {
		t.Error("the restored database lacks the commit that was in the backup's write-ahead log")
	}
	for _, leftover := range []string{live + ".restoring", live + ".restoring-wal"} {
		if _, err := os.Lstat(leftover); err == nil {
			t.Errorf("%s left behind", filepath.Base(leftover))
		}
	}
}

// mark adds an empty table named name to the database at path.
func mark(t *testing.T, path, name string) {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE " + name + " (x)"); err != nil {
		t.Fatal(err)
	}
}
