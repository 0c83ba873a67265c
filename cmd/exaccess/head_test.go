package main

import (
	"bytes"
	"context"
	"errors"
	"io"
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
	// The gauge an alert watches: /readyz stays 200.
	for reason, want := range map[string]string{"history_changed": "1", "key_superseded": "0", "tree_unreadable": "0", "head_unwritable": "0"} {
		if got := s.metric(t, `exaccess_audit_signing_refused{reason="`+reason+`"}`); got != want {
			t.Errorf("exaccess_audit_signing_refused{reason=%q} = %q, want %s", reason, got, want)
		}
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

// audit verify --db --head: the head file, outside the database, holds
// the log to the last checkpoint the server signed. A rewrite whose kept
// checkpoints were deleted, and a restored older backup, verify without it
// (their entries are merely not covered, or the backup is consistent);
// with it they fail, naming the size.
func TestVerifyDBAgainstHeadFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "h.db")
	head := auditlog.HeadPath(dbPath + ".checkpoint-key")
	addUser(t, dbPath, "aud-a")
	addUser(t, dbPath, "aud-b")
	writeExport(t, dbPath, filepath.Join(dir, "first.ndjson")) // the server signs a checkpoint of size 2
	var key bytes.Buffer
	if err := run(ctx, []string{"audit", "key", "--db", dbPath}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "audit-key.txt")
	os.WriteFile(keyFile, key.Bytes(), 0o600)
	backup := filepath.Join(dir, "backup.db")
	if err := run(ctx, []string{"backup", "--db", dbPath, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	addUser(t, dbPath, "aud-c")
	writeExport(t, dbPath, filepath.Join(dir, "second.ndjson")) // a checkpoint of size 4: the head
	out, err := auditVerify(t, dbPath, keyFile, "--head", head)
	if err != nil || !strings.Contains(out, "head file: the log extends the last checkpoint the server signed, of size 4\n") {
		t.Fatalf("an honest log: %v\n%s", err, out)
	}

	// The backup of size 3 is consistent, and shorter than the head.
	if out, err := auditVerify(t, backup, keyFile); err != nil {
		t.Fatalf("the backup without --head: %v\n%s", err, out)
	}
	out, err = auditVerify(t, backup, keyFile, "--head", head)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "rollback: entry 3: the head file says the server signed a checkpoint of size 4, but the log has only 3 entries: entries 3..3 are gone") {
		t.Errorf("a rolled-back log: %v\n%s", err, out)
	}

	raw := openRaw(t, dbPath)
	mustExec(t, raw, "DROP TRIGGER IF EXISTS audit_cosignatures_no_delete")
	mustExec(t, raw, "UPDATE audit_log SET entry = CAST(replace(CAST(entry AS TEXT), 'aud-b', 'aud-z') AS BLOB) WHERE idx = 1")
	rewriteHashes(t, raw)
	mustExec(t, raw, "DELETE FROM audit_checkpoints")
	mustExec(t, raw, "DELETE FROM audit_cosignatures")
	if out, err := auditVerify(t, dbPath, keyFile); err != nil || !strings.Contains(out, "entries 0..4: not yet covered by any signature") {
		t.Fatalf("the rewrite without --head: %v\n%s", err, out)
	}
	out, err = auditVerify(t, dbPath, keyFile, "--head", head)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "inconsistent: the log's first 4 entries do not have the root of the head file, the checkpoint of size 4 the server signed last") {
		t.Errorf("a rewritten log: %v\n%s", err, out)
	}

	if _, err := auditVerify(t, dbPath, keyFile, "--head", filepath.Join(dir, "missing.head")); err == nil || !strings.Contains(err.Error(), "--head") {
		t.Errorf("a missing head file: %v", err)
	}
	skey, _ := auditlog.GenerateSignerKey()
	other, _ := auditlog.NewSigner(skey)
	otherKey := filepath.Join(dir, "other.txt")
	os.WriteFile(otherKey, []byte(other.VerifierKey()+"\n"), 0o600)
	if _, err := auditVerify(t, dbPath, otherKey, "--head", head); err == nil || !strings.Contains(err.Error(), "--head "+head+": the checkpoint is not signed") {
		t.Errorf("a head not signed by the key given: %v", err)
	}
	err = run(ctx, []string{"audit", "verify", "--export", filepath.Join(dir, "second.ndjson"), "--key", keyFile, "--head", head}, env(nil), nil, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) {
		t.Errorf("--head with --export: %v", err)
	}
}
