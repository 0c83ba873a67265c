package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// Sentences /readyz's 503 gives for each check that failed.
const (
	notReadyDatabase = "not ready: the database does not answer"
	notReadySchema   = "not ready: the database schema is not the version this binary knows (see the server log)"
)

// TestReadyzSaysWhichCheckFailed: /readyz's 503 says whether the database
// does not answer or its schema is not the version this binary knows (a
// newer binary migrated it), and no driver text.
func TestReadyzSaysWhichCheckFailed(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	db := filepath.Join(t.TempDir(), "r.db")
	s := startWitnessedServer(t, "--db", db)
	if st, body := s.get(t, "/readyz"); st != 200 {
		t.Fatalf("/readyz: %d %s", st, body)
	}
	raw := openRaw(t, db)
	mustExec(t, raw, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, CURRENT_TIMESTAMP)", storage.LatestVersion()+1)
	st, body := s.get(t, "/readyz")
	if st != 503 || !strings.Contains(body, notReadySchema) {
		t.Errorf("/readyz on a newer schema: %d %s", st, body)
	}
	if l := s.logs.String(); !strings.Contains(l, "not ready") || !strings.Contains(l, "this binary knows up to version") {
		t.Errorf("the log does not say why:\n%s", l)
	}
	// Behind (an older backup put in place): the same sentence.
	mustExec(t, raw, "DELETE FROM schema_migrations WHERE version >= ?", storage.LatestVersion())
	if st, body := s.get(t, "/readyz"); st != 503 || !strings.Contains(body, notReadySchema) {
		t.Errorf("/readyz on an older schema: %d %s", st, body)
	}
}

// TestReadyDatabaseNotAnswering: a database that does not answer is said
// so, apart from a schema of another version.
func TestReadyDatabaseNotAnswering(t *testing.T) {
	ctx := context.Background()
	db, err := storage.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p, err := loadPolicy("")
	if err != nil {
		t.Fatal(err)
	}
	a := &app{db: db, policy: p}
	if err := a.ready(ctx); err != nil {
		t.Fatalf("ready: %v", err)
	}
	db.Close()
	var de *domain.Error
	if err := a.ready(ctx); !errors.As(err, &de) || "not ready: "+de.Message != notReadyDatabase || de.Cause == nil {
		t.Errorf("ready with the database closed: %#v", err)
	}
}
