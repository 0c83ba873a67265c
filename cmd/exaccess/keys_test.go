package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"exaccess/auditlog"
	"exaccess/storage/storagetest"
)

// copyKeyFile copies a key file as an operator would, mode 0600.
func copyKeyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A start without its key file on a database whose log records a key
// (a third replica pointed at another directory, a database moved to a
// host without its key file) creates no key and records no rotation: it
// fails, naming the path and the recorded key, and what to do. A start
// with a key the log records as superseded (a replica left with the old
// key after a rotation) fails too. A deliberate rotate-key keeps working,
// and so does the replacement of a lost key (rotate-key --lost). On SQLite
// and PostgreSQL, which replicas share.
func TestStartRefusesAKeyTheLogDoesNotSignWith(t *testing.T) {
	ctx := context.Background()
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			dir := t.TempDir()
			db, err := openDB(ctx, c.DSN)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			quiet := slog.New(slog.DiscardHandler)
			shared := filepath.Join(dir, "shared", "exaccess-checkpoint.key")
			os.Mkdir(filepath.Dir(shared), 0o700)
			cfg := defaultCheckpoint()
			cfg.KeyFile = shared
			first, err := openAuditLog(ctx, db, c.DSN, cfg, quiet) // the first start on an empty database creates the key
			if err != nil {
				t.Fatal(err)
			}
			old := filepath.Join(dir, "old.key")
			copyKeyFile(t, shared, old)

			elsewhere := filepath.Join(dir, "elsewhere.key")
			cfg.KeyFile = elsewhere
			_, err = openAuditLog(ctx, db, c.DSN, cfg, quiet)
			if err == nil || !strings.Contains(err.Error(), "there is no key file at "+elsewhere) ||
				!strings.Contains(err.Error(), "records checkpoint key "+auditlog.KeyID(first.VerifierKey())) ||
				!strings.Contains(err.Error(), "exaccess audit rotate-key") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("a start without the key file: %v", err)
			}
			if _, err := os.Stat(elsewhere); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a key file was created: %v", err)
			}
			if r := rotationEntries(t, db); len(r) != 0 {
				t.Errorf("rotation entries %+v", r)
			}

			// A deliberate rotation: the next start records it.
			if err := run(ctx, []string{"audit", "rotate-key", "--checkpoint-key", shared}, env(nil), nil, io.Discard, io.Discard); err != nil {
				t.Fatal(err)
			}
			cfg.KeyFile = shared
			second, err := openAuditLog(ctx, db, c.DSN, cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			if r := rotationEntries(t, db); len(r) != 1 || r[0].Data["verifier_key"] != second.VerifierKey() {
				t.Fatalf("rotation entries %+v", r)
			}
			// The running server of the old key now refuses to sign.
			if _, err := first.Checkpoint(ctx); !errors.Is(err, auditlog.ErrKeySuperseded) {
				t.Errorf("the old key still signs: %v", err)
			}
			// A start with the old key is refused.
			cfg.KeyFile = old
			_, err = openAuditLog(ctx, db, c.DSN, cfg, quiet)
			if err == nil || !strings.Contains(err.Error(), "the key in "+old+" ("+auditlog.KeyID(first.VerifierKey())+") was superseded") ||
				!strings.Contains(err.Error(), auditlog.KeyID(second.VerifierKey())) {
				t.Errorf("a start with the superseded key: %v", err)
			}
			if r := rotationEntries(t, db); len(r) != 1 {
				t.Errorf("rotation entries %+v", r)
			}

			// A lost key: rotate-key says to restore it, or --lost.
			lost := filepath.Join(dir, "lost.key")
			err = run(ctx, []string{"audit", "rotate-key", "--checkpoint-key", lost}, env(nil), nil, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "--lost") {
				t.Errorf("rotate-key of a missing file: %v", err)
			}
			var out bytes.Buffer
			if err := run(ctx, []string{"audit", "rotate-key", "--lost", "--checkpoint-key", lost, "--db", c.DSN}, env(nil), nil, &out, io.Discard); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "lost:    "+second.VerifierKey()) {
				t.Errorf("rotate-key --lost said %q", out.String())
			}
			err = run(ctx, []string{"audit", "rotate-key", "--lost", "--checkpoint-key", lost, "--db", c.DSN}, env(nil), nil, io.Discard, io.Discard)
			if !errors.Is(err, errUsage) {
				t.Errorf("--lost with a key file there: %v", err)
			}
			cfg.KeyFile = lost
			third, err := openAuditLog(ctx, db, c.DSN, cfg, quiet)
			if err != nil {
				t.Fatal(err)
			}
			if r := rotationEntries(t, db); len(r) != 2 || r[1].Data["previous_verifier_key"] != second.VerifierKey() ||
				!strings.HasPrefix(third.VerifierKey(), second.Signer().Origin()+"+") {
				t.Errorf("rotation entries %+v, key %s", r, third.VerifierKey())
			}
		})
	}
}

// `exaccess serve` on a SQLite database moved to a directory without its
// key file stops with the one line, and leaves no key file behind.
func TestServeWithoutTheKeyFileOfItsDatabase(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "a.db")
	addUser(t, dbPath, "mv-a")
	writeExport(t, dbPath, filepath.Join(dir, "x.ndjson")) // a start: the key is recorded
	moved := filepath.Join(t.TempDir(), "a.db")
	if err := run(context.Background(), []string{"backup", "--db", dbPath, "--out", moved}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a server that starts is stopped
	defer cancel()
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--db", moved}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "there is no key file at "+moved+".checkpoint-key") {
		t.Fatalf("serve: %v", err)
	}
	if _, err := os.Stat(moved + ".checkpoint-key"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file was created: %v", err)
	}
}

// A server left running with the old key after a rotation that another
// server's start recorded stops signing: an error in its log, once, and a
// warning on its /readyz.
func TestRunningServerWithASupersededKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "s.db")
	s := startWitnessedServer(t, "--db", dbPath, "--demo")
	if err := run(ctx, []string{"audit", "rotate-key", "--db", dbPath}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := openDB(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := openAuditLog(ctx, db, dbPath, defaultCheckpoint(), slog.New(slog.DiscardHandler)); err != nil { // another server starts
		t.Fatal(err)
	}
	waitFor(t, func() bool {
		_, body := s.get(t, "/readyz")
		return strings.Contains(body, "records a newer checkpoint signing key than this server's")
	})
	if st, _ := s.get(t, "/readyz"); st != 200 {
		t.Errorf("/readyz %d", st)
	}
	if n := strings.Count(s.logs.String(), "CHECKPOINT KEY SUPERSEDED"); n != 1 {
		t.Errorf("logged %d times:\n%s", n, s.logs.String())
	}
	// The gauge an alert watches: /readyz stays 200.
	for reason, want := range map[string]string{"key_superseded": "1", "history_changed": "0", "tree_unreadable": "0", "head_unwritable": "0"} {
		if got := s.metric(t, `exaccess_audit_signing_refused{reason="`+reason+`"}`); got != want {
			t.Errorf("exaccess_audit_signing_refused{reason=%q} = %q, want %s", reason, got, want)
		}
	}
}

// audit verify --db --previous holds the database's log to an earlier
// export: a log that extends it verifies; a database rolled back to a
// backup smaller than the export, or with an entry rewritten since, fails.
func TestVerifyDatabaseAgainstPrevious(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "p.db")
	addUser(t, dbPath, "pv-a")
	addUser(t, dbPath, "pv-b")
	first := filepath.Join(dir, "first.ndjson")
	writeExport(t, dbPath, first)
	backup := filepath.Join(dir, "backup.db")
	if err := run(ctx, []string{"backup", "--db", dbPath, "--out", backup}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	addUser(t, dbPath, "pv-c")
	second := filepath.Join(dir, "second.ndjson")
	writeExport(t, dbPath, second)
	var key bytes.Buffer
	if err := run(ctx, []string{"audit", "key", "--db", dbPath}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, key.Bytes(), 0o600)

	if out, err := auditVerify(t, dbPath, keyFile, "--previous", first); err != nil ||
		!strings.Contains(out, "consistent: the log of 2 entries signed earlier (--previous) is a prefix of the database's") {
		t.Fatalf("a log that extends the earlier export: %v\n%s", err, out)
	}
	out, err := auditVerify(t, backup, keyFile, "--previous", second)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "rollback: entry 3: the log in the database has 3 entries, fewer than the 4 signed earlier") {
		t.Errorf("a rolled-back database: %v\n%s", err, out)
	}

	raw := openRaw(t, dbPath)
	mustExec(t, raw, "DROP TRIGGER IF EXISTS audit_cosignatures_no_delete")
	mustExec(t, raw, "UPDATE audit_log SET entry = CAST(replace(CAST(entry AS TEXT), 'pv-b', 'pv-z') AS BLOB) WHERE idx = 1")
	rewriteHashes(t, raw)
	mustExec(t, raw, "DELETE FROM audit_checkpoints")
	raw.Close()
	out, err = auditVerify(t, dbPath, keyFile, "--previous", first)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "edited: entry 1: the entry differs between the earlier export and the database") ||
		!strings.Contains(out, "inconsistent: the log of 2 entries signed earlier is not a prefix of the log of 5 entries in the database") {
		t.Errorf("a rewritten database: %v\n%s", err, out)
	}
}

// audit verify checks every argument before it verifies anything; --export
// with --db is refused; a wrong key is named with its hash.
func TestVerifyArgumentsFirst(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "v.db")
	addUser(t, dbPath, "va-a")
	export := filepath.Join(dir, "x.ndjson")
	writeExport(t, dbPath, export)
	var key bytes.Buffer
	if err := run(ctx, []string{"audit", "key", "--db", dbPath}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, key.Bytes(), 0o600)

	out, err := auditVerify(t, dbPath, keyFile, "--witness", "not-a-key")
	if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), `--witness "not-a-key"`) || out != "" {
		t.Errorf("a malformed --witness: %v, printed %q", err, out)
	}
	out, err = auditVerify(t, dbPath, keyFile, "--previous", filepath.Join(dir, "missing.ndjson"))
	if err == nil || !strings.Contains(err.Error(), "--previous") || out != "" {
		t.Errorf("a missing --previous: %v, printed %q", err, out)
	}
	err = run(ctx, []string{"audit", "verify", "--export", export, "--key", keyFile, "--db", dbPath}, env(nil), nil, io.Discard, io.Discard)
	if !errors.Is(err, errUsage) {
		t.Errorf("--export with --db: %v", err)
	}
	var stderr bytes.Buffer
	err = run(ctx, []string{"audit", "verify", "--export", export, "--key", keyFile}, env(map[string]string{"EXACCESS_DB": dbPath}), nil, io.Discard, &stderr)
	if err != nil || !strings.Contains(stderr.String(), "EXACCESS_DB is not used") {
		t.Errorf("--export with EXACCESS_DB: %v, %q", err, stderr.String())
	}

	// A key of the same name (the log's origin) that did not sign.
	real := strings.TrimSpace(key.String())
	name, _, _ := strings.Cut(real, "+")
	skey, _ := auditlog.NewSignerKey(name)
	other, _ := auditlog.NewSigner(skey)
	otherFile := filepath.Join(dir, "other.txt")
	os.WriteFile(otherFile, []byte(other.VerifierKey()+"\n"), 0o600)
	var xout bytes.Buffer
	run(ctx, []string{"audit", "verify", "--export", export, "--key", otherFile}, env(nil), nil, &xout, io.Discard)
	if !strings.Contains(xout.String(), auditlog.KeyID(other.VerifierKey())) || !strings.Contains(xout.String(), "but by "+auditlog.KeyID(real)) {
		t.Errorf("a wrong key: %s", xout.String())
	}
}

// Key file paths that are directories are named as such, and audit key
// adds its hint about the first start only to a missing file.
func TestKeyFileDirectoryMessages(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a server that starts is stopped
	defer cancel()
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	err := run(ctx, []string{"audit", "key", "--checkpoint-key", dir}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is a directory") || strings.Contains(err.Error(), "first start") || strings.Contains(err.Error(), "chmod") {
		t.Errorf("audit key of a directory: %v", err)
	}
	err = run(ctx, []string{"audit", "key", "--checkpoint-key", filepath.Join(dir, "missing.key")}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "first start") {
		t.Errorf("audit key of a missing file: %v", err)
	}
	err = run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--db", filepath.Join(dir, "d.db"), "--checkpoint-key", dir},
		env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "is a directory") || strings.Contains(err.Error(), "chmod") {
		t.Errorf("serve with a directory as key file: %v", err)
	}
}
