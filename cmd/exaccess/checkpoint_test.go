package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"exaccess/auditlog"
	"exaccess/domain"
	"exaccess/storage"
)

// A database from before this version holds the checkpoint key in its keys
// table. The first start moves it out (to a retired key file), says so in
// the log, signs with a new key from then on and records the change in the
// audit log; checkpoints signed with the old key still verify with it.
func TestCheckpointKeyMovedOutOfTheDatabase(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "old.db")
	db, legacy := legacyKeyDatabase(t, dbPath)
	old, err := auditlog.NewSigner(legacy)
	if err != nil {
		t.Fatal(err)
	}

	var logs bytes.Buffer
	svc, err := openAuditLog(ctx, db, dbPath, defaultCheckpoint(), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReadKey(ctx, auditlog.SignerKeyName); !isNotFound(err) {
		t.Errorf("the checkpoint key is still in the database: %v", err)
	}
	if !strings.Contains(logs.String(), "moved the checkpoint signing key out of the database") || strings.Contains(logs.String(), "PRIVATE+KEY") {
		t.Errorf("log: %s", logs.String())
	}
	retired, _ := filepath.Glob(dbPath + ".checkpoint-key.retired-*")
	if len(retired) != 1 {
		t.Fatalf("retired key files: %v", retired)
	}
	if skey, err := auditlog.ReadKeyFile(retired[0]); err != nil || string(skey) != strings.TrimSpace(string(legacy)) {
		t.Errorf("the retired file does not hold the old key: %v", err)
	}
	if svc.VerifierKey() == old.VerifierKey() {
		t.Fatal("the key that was readable in the database still signs")
	}
	rotations := rotationEntries(t, db)
	if len(rotations) != 1 {
		t.Fatalf("%d rotation entries", len(rotations))
	}
	last := rotations[0]
	// The old key's last checkpoint was of size 1: the signed entry says so.
	if last.Data["previous_verifier_key"] != old.VerifierKey() || last.Data["retired_key_bound"] != 1.0 ||
		last.Data["verifier_key"] != svc.VerifierKey() || last.Data["reason"] != "moved_out_of_database" {
		t.Errorf("last entry %+v", last)
	}
	if _, err := svc.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	oldKey, newKey := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	os.WriteFile(oldKey, []byte(old.VerifierKey()+"\n"), 0o600)
	os.WriteFile(newKey, []byte(svc.VerifierKey()+"\n"), 0o600)
	if out, err := auditVerify(t, dbPath, newKey, "--key", oldKey); err != nil || !strings.Contains(out, "verified") {
		t.Errorf("verify with both keys: %v\n%s", err, out)
	}
	if out, err := auditVerify(t, dbPath, newKey); !errors.Is(err, errNotVerified) || !strings.Contains(out, "size 1") {
		t.Errorf("verify with the new key alone must name the old checkpoint: %v\n%s", err, out)
	}
}

// legacyKeyDatabase makes a database as an earlier version left it: one
// entry, the checkpoint key in its keys table, and a checkpoint of size 1
// that key signed in tlog's "go.sum database tree" text. It returns the key.
func legacyKeyDatabase(t *testing.T, dbPath string) (*storage.DB, []byte) {
	t.Helper()
	ctx := context.Background()
	addUser(t, dbPath, "aud-a")
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	legacy, err := db.GetOrCreateKey(ctx, auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tlog.TreeHash(1, tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) { return db.ReadAuditHashes(ctx, ids) }))
	if err != nil {
		t.Fatal(err)
	}
	signed := signLegacy(t, legacy, tlog.Tree{N: 1, Hash: root})
	if err := db.SaveAuditCheckpoint(ctx, 1, root, signed, time.Now()); err != nil {
		t.Fatal(err)
	}
	return db, legacy
}

// signLegacy signs a tree head as the earlier version did: tlog's text.
func signLegacy(t *testing.T, skey []byte, tree tlog.Tree) string {
	t.Helper()
	s, err := note.NewSigner(string(skey))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tree))}, s)
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// rotationEntry is an audit.key_rotated entry as logged.
type rotationEntry struct {
	Actor string         `json:"actor"`
	Data  map[string]any `json:"data"`
}

func rotationEntries(t *testing.T, db *storage.DB) []rotationEntry {
	t.Helper()
	page, err := db.AuditEvents(context.Background(), domain.AuditFilter{Action: domain.AuditKeyRotated, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []rotationEntry
	for _, it := range page.Items {
		var e rotationEntry
		if err := json.Unmarshal(it.Entry, &e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func isNotFound(err error) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Code == domain.CodeNotFound
}

// rotate-key keeps the old key file and writes a new one of the same
// origin; the next start records the rotation in the log once, however
// many processes start.
func TestRotateCheckpointKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "r.db")
	addUser(t, dbPath, "aud-a")
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	quiet := slog.New(slog.DiscardHandler)
	cfg := defaultCheckpoint()
	cfg.Origin = "rotate.test/exaccess/audit"
	first, err := openAuditLog(ctx, db, dbPath, cfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := first.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "rotate-key", "--db", dbPath}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "retired: "+first.VerifierKey()) || !strings.Contains(out.String(), "--key retired.txt@N") ||
		!strings.Contains(out.String(), "audit.key_rotated entry's retired_key_bound") {
		t.Errorf("rotate-key said %q", out.String())
	}
	var second *auditlog.Service
	var logs bytes.Buffer
	for range 2 { // a second process starting with the same key records nothing more
		if second, err = openAuditLog(ctx, db, dbPath, cfg, slog.New(slog.NewJSONHandler(&logs, nil))); err != nil {
			t.Fatal(err)
		}
	}
	// The start that records the rotation says up to which size the
	// retired key signed, for --key FILE@N; once.
	bound := fmt.Sprintf(`"retired_verifier_key":%q,"max_size":%d}`, first.VerifierKey(), cp.Size)
	if strings.Count(logs.String(), bound) != 1 {
		t.Errorf("the retired key's bound (%s) is not logged once:\n%s", bound, logs.String())
	}
	if second.VerifierKey() == first.VerifierKey() || !strings.HasPrefix(second.VerifierKey(), cfg.Origin+"+") {
		t.Fatalf("after rotation the key is %s (was %s)", second.VerifierKey(), first.VerifierKey())
	}
	rotations := rotationEntries(t, db)
	// The entry itself holds the bound: an auditor reads it from the log.
	if len(rotations) != 1 || rotations[0].Data["previous_verifier_key"] != first.VerifierKey() ||
		rotations[0].Data["verifier_key"] != second.VerifierKey() || rotations[0].Data["retired_key_bound"] != float64(cp.Size) {
		t.Errorf("rotation entries %+v", rotations)
	}
	if keys, _ := db.SigningKeys(ctx); len(keys) != 2 || keys[0] != first.VerifierKey() || keys[1] != second.VerifierKey() {
		t.Errorf("signing keys %v", keys)
	}
}

// A rotation when no kept checkpoint is the retired key's (here: it signed
// none) records the entry without retired_key_bound, as entries were
// recorded before the field existed, and says in the log to find N in the
// auditors' records; such an entry verifies like any other.
func TestRotationWithoutAKeptCheckpointHasNoBound(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "r.db")
	addUser(t, dbPath, "aud-a")
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	quiet := slog.New(slog.DiscardHandler)
	if _, err := openAuditLog(ctx, db, dbPath, defaultCheckpoint(), quiet); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"audit", "rotate-key", "--db", dbPath}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	svc, err := openAuditLog(ctx, db, dbPath, defaultCheckpoint(), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	rotations := rotationEntries(t, db)
	if len(rotations) != 1 || len(rotations[0].Data) != 2 {
		t.Fatalf("rotation entries %+v", rotations)
	}
	if !strings.Contains(logs.String(), "find the size of the last checkpoint it signed in the auditors' records") {
		t.Errorf("log:\n%s", logs.String())
	}
	if _, err := svc.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	key := filepath.Join(dir, "new.txt")
	os.WriteFile(key, []byte(svc.VerifierKey()+"\n"), 0o600)
	if out, err := auditVerify(t, dbPath, key); err != nil || !strings.Contains(out, "verified") {
		t.Errorf("verify: %v\n%s", err, out)
	}
}

// serve refuses a checkpoint key file that others can read, and an origin
// that is not the key's name, before listening.
func TestServeRefusesExposedCheckpointKey(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "x.db")
	key := dbPath + ".checkpoint-key"
	if _, _, err := auditlog.LoadOrCreateKeyFile(key, "exposed.test/audit", ""); err != nil {
		t.Fatal(err)
	}
	os.Chmod(key, 0o644)
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", dbPath}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("serve with a 0644 key file: %v", err)
	}
	os.Chmod(key, 0o600)
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", dbPath, "--log-origin", "other.test/audit"}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "exposed.test/audit") {
		t.Errorf("serve with another origin: %v", err)
	}
}

// The retired key was readable in the database, so whoever read it can
// sign whatever they like with it: here a forged tree larger than any it
// signed in service, with an entry changed, the stored hashes rebuilt and
// the new key's checkpoints deleted. Given plainly, the retired key
// vouches for the forgery; bounded to the size the start logged
// (--key old.txt@1), it does not, and verify names the key and the size.
func TestRetiredKeyBoundedToTheTreesItSigned(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "old.db")
	db, legacy := legacyKeyDatabase(t, dbPath)
	old, err := auditlog.NewSigner(legacy)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	svc, err := openAuditLog(ctx, db, dbPath, defaultCheckpoint(), slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"msg":"the retired checkpoint key signed checkpoints of up to max_size entries`) ||
		!strings.Contains(logs.String(), `"retired_verifier_key":"`+old.VerifierKey()+`","max_size":1}`) {
		t.Errorf("the start does not log the retired key's bound:\n%s", logs.String())
	}
	addUser(t, dbPath, "aud-b") // entry 2, after the rotation entry
	if _, err := svc.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	oldKey, newKey := filepath.Join(dir, "old.txt"), filepath.Join(dir, "new.txt")
	os.WriteFile(oldKey, []byte(old.VerifierKey()+"\n"), 0o600)
	os.WriteFile(newKey, []byte(svc.VerifierKey()+"\n"), 0o600)
	if out, err := auditVerify(t, dbPath, newKey, "--key", oldKey+"@1"); err != nil || !strings.Contains(out, "verified: entries 0..2") {
		t.Fatalf("the honest log with the retired key bounded: %v\n%s", err, out)
	}

	raw := openRaw(t, dbPath)
	mustExec(t, raw, "UPDATE audit_log SET entry = CAST(replace(CAST(entry AS TEXT), 'aud-b', 'aud-z') AS BLOB) WHERE idx = 2")
	hashes := rewriteHashes(t, raw)
	mustExec(t, raw, "DELETE FROM audit_checkpoints WHERE tree_size > 1")
	root, err := tlog.TreeHash(3, tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(ids))
		for i, id := range ids {
			out[i] = hashes[id]
		}
		return out, nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAuditCheckpoint(ctx, 3, root, signLegacy(t, legacy, tlog.Tree{N: 3, Hash: root}), time.Now()); err != nil {
		t.Fatal(err)
	}

	if out, err := auditVerify(t, dbPath, newKey, "--key", oldKey); err != nil || !strings.Contains(out, "entries 0..2: signed by the log") {
		t.Fatalf("the retired key unbounded vouches for the forgery, as it must without a bound: %v\n%s", err, out)
	}
	out, err := auditVerify(t, dbPath, newKey, "--key", oldKey+"@1")
	want := "checkpoint: the checkpoint kept for size 3: the checkpoint of size 3 is signed by key " + old.VerifierKey() +
		", which is trusted only for checkpoints of up to 1 entries"
	if !errors.Is(err, errNotVerified) || !strings.Contains(out, want) || !strings.Contains(out, "entries 1..2: not yet covered") {
		t.Errorf("the forgery with the retired key bounded: %v\n%s", err, out)
	}
}
