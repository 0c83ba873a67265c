package main

import (
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestReadyzWarnsOfAuditGapAtStart: an entry deleted from the middle of
// the log of a stopped server is found by the gap check serve starts at
// once, in the background: /readyz stays 200 and ready (the server starts
// and serves), with the fixed warning naming the command to run and no
// number (/readyz is public: the entry's index would tell the log's size
// and where it was tampered with), and the log has the error once, naming
// the entry.
func TestReadyzWarnsOfAuditGapAtStart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server")
	}
	db := filepath.Join(t.TempDir(), "g.db")
	s := startWitnessedServer(t, "--db", db, "--demo")
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	raw := openRaw(t, db)
	var n int64
	if err := raw.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&n); err != nil || n < 3 {
		t.Fatalf("%d entries: %v", n, err)
	}
	missing := strconv.FormatInt(n/2, 10)
	mustExec(t, raw, "DELETE FROM audit_log WHERE idx = "+missing)
	raw.Close()

	s = startWitnessedServer(t, "--db", db)
	var got struct {
		Status   string
		Warnings []string
	}
	var body string
	waitFor(t, func() bool {
		var st int
		st, body = s.get(t, "/readyz")
		if st != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("/readyz: %d %s", st, body)
		}
		return len(got.Warnings) > 0
	})
	const warning = "the audit log is damaged: entries or hashes are missing; see the server log and run " +
		"exaccess audit verify --db PATH --key VERIFIER_KEY_FILE"
	if got.Status != "ready" || len(got.Warnings) != 1 || got.Warnings[0] != warning {
		t.Errorf("/readyz: %+v, want the warning %q", got, warning)
	}
	if strings.ContainsAny(body, "0123456789") {
		t.Errorf("/readyz names a number (entry %s or the log's size): %s", missing, body)
	}
	if l := s.logs.String(); strings.Count(l, "AUDIT LOG DAMAGED") != 1 || !strings.Contains(l, `"entry":`+missing) {
		t.Errorf("log:\n%s", l)
	}
}
