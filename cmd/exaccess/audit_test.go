package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// The audit commands as an auditor uses them: the key from the server's
// database, an export verified on its own, then the same after tampering
// with the export and with the database.
func TestAuditKeyAndVerify(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "audit.db")
	audit := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"audit"}, args...), env(nil), nil, &out, io.Discard)
		return out.String(), err
	}
	if err := run(ctx, []string{"migrate", "--db", dbPath}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"aud-a", "aud-b", "aud-c", "aud-d"} {
		err := run(ctx, []string{"user", "add", "--db", dbPath, "--username", name, "--role", "auditor"}, env(nil),
			strings.NewReader("a long enough password\n"), io.Discard, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := audit("key", "--db", dbPath); err == nil {
		t.Fatal("audit key before the key file exists: no error")
	}
	keyFile, export := filepath.Join(dir, "key.txt"), filepath.Join(dir, "export.ndjson")
	writeExport(t, dbPath, export) // opens the audit log as the server does, creating the key file
	key, err := audit("key", "--db", dbPath)
	if err != nil || !strings.HasPrefix(key, defaultOrigin()+"+") {
		t.Fatalf("audit key: %q, %v", key, err)
	}
	os.WriteFile(keyFile, []byte(key), 0o600)

	out, err := audit("verify", "--export", export, "--key", keyFile)
	if err != nil || out != "verified: entries 0..3 against checkpoint of size 4\n" {
		t.Fatalf("verify: %q, %v", out, err)
	}
	b, _ := os.ReadFile(export)
	os.WriteFile(export, bytes.Replace(b, []byte(`"aud-c"`), []byte(`"aud-x"`), 1), 0o600)
	out, err = audit("verify", "--export", export, "--key", keyFile)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "edited: entry 2 (line 3)") {
		t.Errorf("tampered export: %q, %v", out, err)
	}
	out, err = audit("verify", "--db", dbPath, "--key", keyFile)
	if err != nil || !strings.HasPrefix(out, "verified: entries 0..4 match their stored hashes and 1 kept checkpoint(s) signed by the key given") {
		t.Fatalf("verify --db: %q, %v", out, err)
	}
	raw, err := sql.Open("sqlite3", "file:"+dbPath+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, s := range []string{"DROP TRIGGER audit_log_no_update",
		"UPDATE audit_log SET entry = CAST(replace(CAST(entry AS TEXT), 'aud-b', 'aud-z') AS BLOB) WHERE idx = 1"} {
		if _, err := raw.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err = audit("verify", "--db", dbPath); !errors.Is(err, errUsage) {
		t.Errorf("verify --db without --key: %v", err)
	}
	out, err = audit("verify", "--db", dbPath, "--key", keyFile)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "edited: entry 1:") {
		t.Errorf("tampered database: %q, %v", out, err)
	}
	if _, err := audit("verify", "--export", export); !errors.Is(err, errUsage) {
		t.Errorf("verify without --key: %v", err)
	}
}

// writeExport exports the whole log of the database at path, as the server
// does for GET /api/v1/audit/export.
func writeExport(t *testing.T, path, export string) {
	t.Helper()
	ctx := context.Background()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	log, err := openAuditLog(ctx, db, path, defaultCheckpoint(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	x, err := log.StartExport(ctx, domain.Principal{Subject: "aud-a"}, domain.AuditExportRequest{Format: domain.AuditFormatNDJSON})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(export)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := x.Write(ctx, f); err != nil {
		t.Fatal(err)
	}
}

// testKeys maps a test database to its checkpoint key file. A SQLite file
// has its key beside it by default; a PostgreSQL test database gets one in
// the test's temporary directory, never in the working directory.
var testKeys sync.Map

func checkpointKeyFor(t *testing.T, dsn string) string {
	t.Helper()
	if !strings.HasPrefix(dsn, "postgres") {
		return dsn + ".checkpoint-key"
	}
	p, _ := testKeys.LoadOrStore(dsn, filepath.Join(t.TempDir(), "checkpoint.key"))
	return p.(string)
}

// verifyDB runs `exaccess audit verify --db` with the verifier key of the
// database's key file, read apart from the database as an auditor would.
func verifyDB(t *testing.T, dsn string) (string, error) {
	t.Helper()
	var key bytes.Buffer
	if err := run(context.Background(), []string{"audit", "key", "--checkpoint-key", checkpointKeyFor(t, dsn)}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatalf("audit key: %v", err)
	}
	keyFile := filepath.Join(t.TempDir(), "audit-key.txt")
	if err := os.WriteFile(keyFile, key.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"audit", "verify", "--db", dsn, "--key", keyFile}, env(nil), nil, &out, io.Discard)
	return out.String(), err
}

// An export smaller than the one given with --previous is a rolled-back
// log: verify fails and says so, and does not ask for the files to be
// swapped (swapped, a rollback would pass as consistent).
func TestVerifyPreviousReportsRollback(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "r.db")
	addUser(t, dbPath, "aud-a")
	addUser(t, dbPath, "aud-b")
	small, large := filepath.Join(dir, "small.ndjson"), filepath.Join(dir, "large.ndjson")
	writeExport(t, dbPath, small)
	addUser(t, dbPath, "aud-c")
	writeExport(t, dbPath, large)
	var key bytes.Buffer
	if err := run(context.Background(), []string{"audit", "key", "--db", dbPath}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "key.txt")
	os.WriteFile(keyFile, key.Bytes(), 0o600)
	verify := func(export, previous string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"audit", "verify", "--export", export, "--key", keyFile, "--previous", previous},
			env(nil), nil, &out, io.Discard)
		return out.String(), err
	}
	if out, err := verify(large, small); err != nil || !strings.Contains(out, "consistent: the log of 2 entries signed earlier is a prefix of this one") {
		t.Fatalf("the documented order on an honest log: %q, %v", out, err)
	}
	out, err := verify(small, large)
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, "rollback: entry 2: the log signed later has 2 entries, fewer than the 4 signed earlier") ||
		strings.Contains(out, "swap") {
		t.Errorf("a rolled-back log: %q, %v", out, err)
	}
}

// --key FILE@N: the bound holds for an export's checkpoint too, and a
// value that is not FILE or FILE@N is a one-line usage error naming it. An
// '@' in a directory's name is part of the path.
func TestVerifyKeyBound(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "b.db")
	addUser(t, dbPath, "aud-a")
	addUser(t, dbPath, "aud-b")
	export := filepath.Join(dir, "export.ndjson")
	writeExport(t, dbPath, export) // a checkpoint of size 2
	var key bytes.Buffer
	if err := run(context.Background(), []string{"audit", "key", "--db", dbPath}, env(nil), nil, &key, io.Discard); err != nil {
		t.Fatal(err)
	}
	atDir := filepath.Join(dir, "keys@2026")
	os.Mkdir(atDir, 0o700)
	keyFile := filepath.Join(atDir, "key.txt")
	os.WriteFile(keyFile, key.Bytes(), 0o600)
	verify := func(keyArg string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), []string{"audit", "verify", "--export", export, "--key", keyArg}, env(nil), nil, &out, io.Discard)
		return out.String(), err
	}
	for _, arg := range []string{keyFile, keyFile + "@2", keyFile + "@0002", keyFile + "@9"} {
		if out, err := verify(arg); err != nil || !strings.HasPrefix(out, "verified: entries 0..1 against checkpoint of size 2") {
			t.Errorf("--key %s: %v\n%s", arg, err, out)
		}
	}
	out, err := verify(keyFile + "@1")
	want := "trailer: the checkpoint of size 2 is signed by key " + strings.TrimSpace(key.String()) + ", which is trusted only for checkpoints of up to 1 entries"
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, want) {
		t.Errorf("--key FILE@1 on a checkpoint of size 2: %v\n%s", err, out)
	}
	for _, arg := range []string{keyFile + "@", keyFile + "@x", keyFile + "@-1", keyFile + "@+1", keyFile + "@1.5", "@5", keyFile + "@99999999999999999999"} {
		_, err := verify(arg)
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), fmt.Sprintf("--key %q", arg)) || strings.Contains(err.Error(), "\n") {
			t.Errorf("--key %s: %v", arg, err)
		}
	}
	// A file whose own name ends in @ and a word is that file, bound to nothing.
	named := filepath.Join(dir, "keys@2024.txt")
	os.WriteFile(named, key.Bytes(), 0o600)
	if out, err := verify(named); err != nil || !strings.HasPrefix(out, "verified: entries 0..1") {
		t.Errorf("--key %s: %v\n%s", named, err, out)
	}
	// A key file must hold verifier keys only; a bound is not read from it.
	bounded := filepath.Join(dir, "bounded.txt")
	os.WriteFile(bounded, []byte(strings.TrimSpace(key.String())+"@5\n"), 0o600)
	if _, err := verify(bounded); err == nil || !strings.Contains(err.Error(), "is not a verifier key") {
		t.Errorf("a key file with a bound in it: %v", err)
	}
}

// audit verify --db checks a database one schema version behind this
// binary as it stands (the backup taken before an upgrade, which operations
// docs say to check), writes nothing to it, and refuses one newer than the
// binary.
func TestVerifyDatabaseBehindThisBinary(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "old.db")
	addUser(t, dbPath, "aud-a")
	addUser(t, dbPath, "aud-b")
	writeExport(t, dbPath, filepath.Join(dir, "export.ndjson")) // a kept checkpoint
	setSchemaVersion(t, dbPath, true)
	before, _ := os.ReadFile(dbPath)
	out, err := verifyDB(t, dbPath)
	if err != nil || !strings.HasPrefix(out, "verified: entries 0..2 match their stored hashes and 1 kept checkpoint(s)") {
		t.Fatalf("a database one version behind: %v\n%s", err, out)
	}
	if after, _ := os.ReadFile(dbPath); !bytes.Equal(before, after) {
		t.Error("audit verify changed the database file")
	}
	if err := run(context.Background(), []string{"user", "list", "--db", dbPath}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Error("audit verify migrated the database: user list now opens it")
	}
	setSchemaVersion(t, dbPath, false)
	if out, err := verifyDB(t, dbPath); !errors.Is(err, storage.ErrSchemaTooNew) || strings.Contains(out, "verified") {
		t.Errorf("a database newer than this binary: %v\n%s", err, out)
	}
}
