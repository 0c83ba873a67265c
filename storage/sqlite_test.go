package storage_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

func openSQLite(t *testing.T) *storage.DB {
	t.Helper()
	return storagetest.Open(t, filepath.Join(t.TempDir(), "exaccess.db"))
}

// The SQLite settings of docs/architecture.md ("Storage") must be in force on every connection of
// both pools, not only requested in a DSN.
func TestSQLitePragmas(t *testing.T) {
	db := openSQLite(t)
	pools := map[string]*gorm.DB{"writer": db.WriterForTest(), "reader": db.ReaderForTest()}
	want := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"busy_timeout": "5000",
	}
	for name, pool := range pools {
		for pragma, value := range want {
			var got string
			if err := pool.Raw("PRAGMA " + pragma).Scan(&got).Error; err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, pragma, err)
			}
			if got != value {
				t.Errorf("%s: PRAGMA %s = %q, want %q", name, pragma, got, value)
			}
		}
	}
	var queryOnly string
	if err := db.ReaderForTest().Raw("PRAGMA query_only").Scan(&queryOnly).Error; err != nil || queryOnly != "1" {
		t.Errorf("reader: PRAGMA query_only = %q, %v; want 1", queryOnly, err)
	}
	if err := db.ReaderForTest().Exec("INSERT INTO counters (name, value) VALUES ('x', 1)").Error; err == nil {
		t.Error("a write on the read pool succeeded; it must fail")
	}
	sqlDB, _ := db.WriterForTest().DB()
	if n := sqlDB.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("writer MaxOpenConnections = %d, want exactly 1", n)
	}
	sqlDB, _ = db.ReaderForTest().DB()
	if n := sqlDB.Stats().MaxOpenConnections; n != 4 {
		t.Errorf("reader MaxOpenConnections = %d, want 4", n)
	}
}

// Each list filter must walk an index in id order: no full table scan and no
// temporary B-tree for ORDER BY, whatever the table size. The plan is that of
// the SQL ListRequests itself builds.
func TestListQueriesUseIndexes(t *testing.T) {
	db := openSQLite(t)
	for name, f := range map[string]domain.RequestFilter{
		"all":               {After: "z"},
		"nation":            {Nation: "NO", After: "z"},
		"status":            {Status: domain.StatusDraft, After: "z"},
		"nation and status": {Nation: "NO", Status: domain.StatusDraft, After: "z"},
		"area":              {Area: "boden", After: "z"},
		"first page":        {Nation: "NO"},
	} {
		t.Run(name, func(t *testing.T) {
			text, err := db.ExplainListForTest(f)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(text, "SCAN requests") || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("list query scans or sorts: %s", text)
			}
		})
	}
}

// A nameless or in-memory SQLite database would give each pooled connection
// a private database, so readers would never see the writer's data.
func TestOpenRejectsNonFileSQLite(t *testing.T) {
	for _, dsn := range []string{"", ":memory:"} {
		if db, err := storage.Open(context.Background(), dsn); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", dsn)
		}
	}
}

// A path with URI-special characters stays a path, not parameters.
func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?x=1#frag", "exaccess.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db := storagetest.Open(t, path)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database file not at the given path: %v", err)
	}
}

// The reminder sweep's stage queries each walk their partial index of
// migration 0015 in deadline order: no scan of request_stages, no sort.
func TestStageReminderQueriesUseTheirIndexes(t *testing.T) {
	db := openSQLite(t)
	loc, _ := time.LoadLocation("Europe/Stockholm")
	plans, err := db.ExplainStageQueriesForTest(time.Date(2026, 3, 4, 10, 0, 0, 0, loc)) // a Wednesday
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{domain.NotifyStageDueSoon: "request_stages_due_soon",
		domain.NotifyStageOverdue: "request_stages_overdue", domain.NotifyStageEscalated: "request_stages_escalate"}
	if len(plans) != len(want) {
		t.Fatalf("plans %v", plans)
	}
	for kind, index := range want {
		if p := plans[kind]; !strings.Contains(p, "USING INDEX "+index) || strings.Contains(p, "TEMP B-TREE") {
			t.Errorf("%s: %s, want a walk of %s", kind, p, index)
		}
	}
}
