package main

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"exaccess/auditlog"
)

// witnessRow is one row of the tamper matrix: what a forger with write
// access to the database (but not the checkpoint key file) does to a
// stopped server's log, and whether the server then refuses to sign its
// next checkpoint (it does when the tree hashes changed: the stored tree
// no longer has the root of the last tree head it signed, kept in its head
// file, so no witness ever sees the forged tree).
type witnessRow struct {
	name    string
	tamper  func(t *testing.T, raw *sql.DB, origin string, size int64)
	refused bool
}

var tamperMatrix = []witnessRow{
	{"edit an entry", func(t *testing.T, raw *sql.DB, _ string, _ int64) { editEntry(t, raw, 3) }, false},
	{"edit and rewrite hashes", func(t *testing.T, raw *sql.DB, _ string, _ int64) {
		editEntry(t, raw, 3)
		rewriteHashes(t, raw)
	}, true},
	{"edit, rewrite hashes, re-sign with the database's keys", func(t *testing.T, raw *sql.DB, origin string, _ int64) {
		editEntry(t, raw, 3)
		resignCheckpoints(t, raw, origin, rewriteHashes(t, raw))
	}, true},
	{"edit after the last checkpoint", func(t *testing.T, raw *sql.DB, _ string, size int64) {
		editEntry(t, raw, size) // the entry `user add` appended while the server was stopped
	}, false},
}

// TestTamperMatrixWithLitewitness runs each row against a real litewitness:
// the server's checkpoints are cosigned, the database is tampered with
// while the server is stopped, `audit verify` with the key kept outside
// the database and the witness's key finds it, and on the next start the
// server refuses to sign a rewritten tree, which it reports in its log and
// /readyz while it keeps serving.
func TestTamperMatrixWithLitewitness(t *testing.T) {
	w := startLitewitness(t)
	for i, row := range tamperMatrix {
		t.Run(row.name, func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "w.db")
			origin := "row" + string(rune('a'+i)) + ".test/exaccess/audit"
			keyFile := witnessedLog(t, w, db, origin)
			flags := []string{"--db", db, "--witness", w.url + "=" + w.vkey}

			s := startWitnessedServer(t, append(flags, "--demo")...)
			size := s.waitCosigned(t, w.name)
			if err := s.stop(); err != nil {
				t.Fatal(err)
			}
			out, err := auditVerify(t, db, keyFile, "--witness", w.vkey)
			if err != nil || !strings.Contains(out, "entries 0..") || !strings.Contains(out, "cosigned by at least 1 of 1 witnesses") {
				t.Fatalf("before tampering (size %s): %v\n%s", size, err, out)
			}

			addUser(t, db, "late-"+row.name[:4]) // an entry no checkpoint covers yet
			var n int64
			raw := openRaw(t, db)
			raw.QueryRow("SELECT COUNT(*) FROM audit_log").Scan(&n)
			row.tamper(t, raw, origin, n-1)
			raw.Close()

			out, err = auditVerify(t, db, keyFile)
			if !errors.Is(err, errNotVerified) {
				t.Errorf("verify with the outside key after %q: %v\n%s", row.name, err, out)
			}
			out, err = auditVerify(t, db, keyFile, "--witness", w.vkey)
			if !errors.Is(err, errNotVerified) {
				t.Errorf("verify with the witness after %q: %v\n%s", row.name, err, out)
			}
			t.Logf("audit verify --key --witness after tampering:\n%s", out)

			s = startWitnessedServer(t, flags...)
			if row.refused {
				st, body := s.get(t, "/readyz")
				if st != 200 || !strings.Contains(body, `"warnings"`) || !strings.Contains(body, "does not extend the last checkpoint this server signed") {
					t.Errorf("/readyz while the server refuses to sign: %d %s", st, body)
				}
				if !strings.Contains(s.logs.String(), "AUDIT LOG HISTORY CHANGED") {
					t.Errorf("no error logged:\n%s", s.logs.String())
				}
			} else {
				// The stored tree hashes are untouched, so the witness sees the
				// same tree and cosigns; verify still names the edited entry.
				s.waitCosigned(t, w.name)
			}
			s.stop()
			out, err = auditVerify(t, db, keyFile, "--witness", w.vkey)
			if !errors.Is(err, errNotVerified) {
				t.Errorf("verify after the restart: %v\n%s", err, out)
			}
		})
	}
}

// TestWitnessRefusesRollback restores a backup older than what the witness
// cosigned, with the head file copied at the same time (as the operations
// guide says to back it up): the server signs on, the witness answers 409
// with the size it knows, larger than the restored log, and the server
// reports it.
func TestWitnessRefusesRollback(t *testing.T) {
	w := startLitewitness(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "w.db")
	witnessedLog(t, w, db, "rollback.test/exaccess/audit")
	flags := []string{"--db", db, "--witness", w.url + "=" + w.vkey}
	s := startWitnessedServer(t, append(flags, "--demo")...)
	s.waitCosigned(t, w.name)
	backup := filepath.Join(dir, "backup.db")
	if err := run(context.Background(), []string{"backup", "--db", db, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	head := auditlog.HeadPath(db + ".checkpoint-key")
	headBackup, err := os.ReadFile(head)
	if err != nil {
		t.Fatal(err)
	}
	s.stop()
	addUser(t, db, "later-1")
	addUser(t, db, "later-2")
	s = startWitnessedServer(t, flags...)
	s.waitCosigned(t, w.name)
	s.stop()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(db + suffix)
	}
	if err := os.Rename(backup, db); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(head, headBackup, 0o600); err != nil {
		t.Fatal(err)
	}
	addUser(t, db, "after-restore")
	s = startWitnessedServer(t, flags...)
	waitFor(t, func() bool { return s.metric(t, `exaccess_audit_witness_conflict{witness="`+w.name+`"}`) == "1" })
	if st, body := s.get(t, "/readyz"); st != 200 || !strings.Contains(body, "inconsistent") {
		t.Errorf("/readyz after a rollback: %d %s", st, body)
	}
	// The witness keeps refusing: it is asked again after a backoff, not at
	// every round (every 250 ms here), and the ERROR is logged once per
	// attempt; the conflict gauge stays set meanwhile.
	time.Sleep(2 * time.Second)
	if n := strings.Count(s.logs.String(), "AUDIT LOG INCONSISTENT"); n != 1 {
		t.Errorf("the witness's refusal was logged %d times in 2 s, want once:\n%s", n, s.logs.String())
	}
	if failures := s.metric(t, `exaccess_audit_witness_failures_total{witness="`+w.name+`"}`); failures != "1" {
		t.Errorf("%s submissions refused in 2 s, want 1", failures)
	}
	if c := s.metric(t, `exaccess_audit_witness_conflict{witness="`+w.name+`"}`); c != "1" {
		t.Errorf("the conflict gauge is %q during the backoff", c)
	}
	s.stop()

	// The recovery docs/operations.md describes ("Witnesses after a
	// restore"): a new key under a new origin, which the witness adds as a
	// new log; it cosigns the restored log under that origin from size 0,
	// and audit verify --witness passes with both verifier keys, while
	// what the witness cosigned for the old origin stays as it was.
	oldKey := filepath.Join(dir, "audit-key.txt")
	var out strings.Builder
	if err := run(context.Background(), []string{"audit", "rotate-key", "--db", db, "--log-origin", "rollback-2.test/exaccess/audit"},
		env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "changes from rollback.test/exaccess/audit to rollback-2.test/exaccess/audit") {
		t.Errorf("rotate-key --log-origin does not say the origin changes:\n%s", out.String())
	}
	newVKey := verifierKeyOf(t, db+".checkpoint-key")
	if !strings.HasPrefix(newVKey, "rollback-2.test/exaccess/audit+") {
		t.Fatalf("the new key %s is not of the new origin", newVKey)
	}
	w.addLog(t, "rollback-2.test/exaccess/audit", newVKey)
	newKey := filepath.Join(dir, "audit-key-2.txt")
	if err := os.WriteFile(newKey, []byte(newVKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = startWitnessedServer(t, flags...)
	s.waitCosigned(t, w.name)
	if c := s.metric(t, `exaccess_audit_witness_conflict{witness="`+w.name+`"}`); c != "0" {
		t.Errorf("the conflict gauge is %q once the new origin is cosigned", c)
	}
	if st, body := s.get(t, "/readyz"); st != 200 || strings.Contains(body, "warnings") {
		t.Errorf("/readyz after the new origin: %d %s", st, body)
	}
	s.stop()
	out2, err := auditVerify(t, db, newKey, "--key", oldKey, "--witness", w.vkey)
	if err != nil {
		t.Errorf("verify --witness after the new origin: %v\n%s", err, out2)
	}
	t.Logf("audit verify --key new --key old --witness after the new origin:\n%s", out2)
}

// verifierKeyOf is the verifier key of the key file at path (audit key).
func verifierKeyOf(t *testing.T, path string) string {
	t.Helper()
	var out strings.Builder
	if err := run(context.Background(), []string{"audit", "key", "--checkpoint-key", path}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out.String())
}

// witnessedLog creates the log's checkpoint key file for db, as the server
// would on its first start, and registers the log with the witness.
func witnessedLog(t *testing.T, w *litewitness, db, origin string) string {
	t.Helper()
	signer, _, err := auditlog.LoadOrCreateKeyFile(db+".checkpoint-key", origin, origin)
	if err != nil {
		t.Fatal(err)
	}
	w.addLog(t, origin, signer.VerifierKey())
	keyFile := filepath.Join(filepath.Dir(db), "audit-key.txt")
	if err := os.WriteFile(keyFile, []byte(signer.VerifierKey()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return keyFile
}

// addUser adds an auditor, first creating the database if there is none
// (user add, like every command but serve and migrate, refuses to).
func addUser(t *testing.T, db, name string) {
	t.Helper()
	if _, err := os.Stat(db); errors.Is(err, os.ErrNotExist) {
		if err := run(context.Background(), []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
	}
	err := run(context.Background(), []string{"user", "add", "--db", db, "--username", name, "--role", "auditor"}, env(nil),
		strings.NewReader("a long enough password\n"), io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
}

func auditVerify(t *testing.T, db, keyFile string, args ...string) (string, error) {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), append([]string{"audit", "verify", "--db", db, "--key", keyFile}, args...), env(nil), nil, &out, io.Discard)
	return out.String(), err
}
