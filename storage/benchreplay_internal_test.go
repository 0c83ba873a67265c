package storage

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareTablesSeesStoredForm: two spellings of one instant, or 1 and 2
// in a BOOLEAN column, are different rows to the check, as they are to the
// server's text comparisons — the driver's conversions would hide them.
func TestCompareTablesSeesStoredForm(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	make := func(name, at string, flag int) string {
		path := filepath.Join(dir, name)
		db, err := sql.Open("sqlite3", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, at TIMESTAMP, flag BOOLEAN)`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO t VALUES (1, ?, ?)`, at, flag); err != nil {
			t.Fatal(err)
		}
		return path
	}
	a := make("a.db", "2026-01-01 10:00:00+00:00", 1)
	if _, err := CompareTables(ctx, a, make("same.db", "2026-01-01 10:00:00+00:00", 1), nil); err != nil {
		t.Fatalf("equal tables: %v", err)
	}
	for name, b := range map[string]string{
		"another spelling": make("b.db", "2026-01-01T10:00:00Z", 1),
		"another boolean":  make("c.db", "2026-01-01 10:00:00+00:00", 2),
	} {
		if _, err := CompareTables(ctx, a, b, nil); err == nil || !strings.Contains(err.Error(), "table t differs") {
			t.Errorf("%s: %v, want table t differs", name, err)
		}
	}
}
