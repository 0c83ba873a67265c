package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
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
	addUser(t, dbPath, "aud-a")
	db, err := storage.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	legacy, err := db.GetOrCreateKey(ctx, auditlog.SignerKeyName, auditlog.GenerateSignerKey)
	if err != nil {
		t.Fatal(err)
	}
	old, err := auditlog.NewSigner(legacy)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tlog.TreeHash(1, tlog.HashReaderFunc(func(ids []int64) ([]tlog.Hash, error) { return db.ReadAuditHashes(ctx, ids) }))
	if err != nil {
		t.Fatal(err)
	}
	legacySigner, err := note.NewSigner(string(legacy))
	if err != nil {
		t.Fatal(err)
	}
	// As the earlier version signed it: tlog's "go.sum database tree" text.
	signed, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 1, Hash: root}))}, legacySigner)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAuditCheckpoint(ctx, 1, root, string(signed), time.Now()); err != nil {
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
	if last.Data["previous_verifier_key"] != old.VerifierKey() ||
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
	if _, err := first.Checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"audit", "rotate-key", "--db", dbPath}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "retired: "+first.VerifierKey()) {
		t.Errorf("rotate-key said %q", out.String())
	}
	var second *auditlog.Service
	for range 2 { // a second process starting with the same key records nothing more
		if second, err = openAuditLog(ctx, db, dbPath, cfg, quiet); err != nil {
			t.Fatal(err)
		}
	}
	if second.VerifierKey() == first.VerifierKey() || !strings.HasPrefix(second.VerifierKey(), cfg.Origin+"+") {
		t.Fatalf("after rotation the key is %s (was %s)", second.VerifierKey(), first.VerifierKey())
	}
	rotations := rotationEntries(t, db)
	if len(rotations) != 1 || rotations[0].Data["previous_verifier_key"] != first.VerifierKey() ||
		rotations[0].Data["verifier_key"] != second.VerifierKey() {
		t.Errorf("rotation entries %+v", rotations)
	}
	if keys, _ := db.SigningKeys(ctx); len(keys) != 2 || keys[0] != first.VerifierKey() || keys[1] != second.VerifierKey() {
		t.Errorf("signing keys %v", keys)
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
