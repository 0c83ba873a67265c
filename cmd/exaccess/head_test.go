package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"exaccess/auditlog"
)

// The forgery a review found: with the server stopped, someone who can
// write the database but not read the key file edits an entry and deletes
// the stored hashes, the kept checkpoints and their cosignatures. On the
// next start the server rebuilds the hashes from the edited entries, but
// the tree no longer has the root of the last tree head it signed (its
// head file, beside the key file): it signs nothing, logs an error and
// shows a warning on /readyz.
func TestRewrittenHistoryNotSignedAfterRestart(t *testing.T) {
	db := filepath.Join(t.TempDir(), "h.db")
	head := auditlog.HeadPath(db + ".checkpoint-key")
	s := startWitnessedServer(t, "--db", db, "--demo")
	waitFor(t, func() bool { // the first checkpoint covers the demo's entries
		b, err := os.ReadFile(head)
		entries := s.metric(t, "exaccess_audit_log_entries")
		return err == nil && entries != "" && strings.Split(string(b), "\n")[1] == entries
	})
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(head); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("head file: %v, %v", info, err)
	}
	raw := openRaw(t, db)
	mustExec(t, raw, "DROP TRIGGER IF EXISTS audit_cosignatures_no_delete")
	var n int64
	raw.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&n)
	editEntry(t, raw, min(14, n-1))
	for _, table := range []string{"audit_hashes", "audit_checkpoints", "audit_cosignatures"} {
		mustExec(t, raw, "DELETE FROM "+table)
	}
	raw.Close()

	s = startWitnessedServer(t, "--db", db)
	if st, body := s.get(t, "/readyz"); st != 200 || !strings.Contains(body, "does not extend the last checkpoint this server signed") {
		t.Errorf("/readyz: %d %s", st, body)
	}
	waitFor(t, func() bool { return strings.Contains(s.logs.String(), `"msg":"audit checkpoint"`) }) // a round was refused
	if !strings.Contains(s.logs.String(), "AUDIT LOG HISTORY CHANGED") {
		t.Errorf("no error logged:\n%s", s.logs.String())
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	raw = openRaw(t, db)
	var kept int
	if err := raw.QueryRow("SELECT COUNT(*) FROM audit_checkpoints").Scan(&kept); err != nil || kept != 0 {
		t.Errorf("%d checkpoint(s) of the forged tree were signed (%v)", kept, err)
	}
}
