package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"exaccess/auditlog"
	"exaccess/storage"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// TestServeDemo boots the program the way main does, signs in as a demo
// user, and shuts it down with the context, as SIGTERM would.
func TestServeDemo(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--demo", "--addr", "127.0.0.1:0"}, env(map[string]string{"EXACCESS_DB": dbPath}), nil, outW, io.Discard)
		outW.Close()
	}()
	var out strings.Builder
	base := ""
	sc := bufio.NewScanner(outR)
	for base == "" && sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if _, url, ok := strings.Cut(line, "listening on "); ok {
			base = strings.Fields(url)[0]
		}
	}
	go io.Copy(io.Discard, outR)
	if base == "" {
		t.Fatalf("no listening line; output:\n%s\nerr: %v", out.String(), <-done)
	}
	for _, want := range []string{"DEMO MODE", "lo-no", "gov2", "WARNING", "/api/v1/auth/token"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	resp, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(`{"username":"lo-no","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if resp.StatusCode != 200 || tok["access_token"] == "" {
		t.Fatalf("demo sign-in: %d %v", resp.StatusCode, tok)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}

	// A second start on the same database seeds nothing and keeps the key.
	var second bytes.Buffer
	ctx2, cancel2 := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel2()
	if err := run(ctx2, []string{"serve", "--demo", "--addr", "127.0.0.1:0", "--db", dbPath}, env(nil), nil, &second, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.String(), "nothing was seeded") {
		t.Errorf("second demo start: %s", second.String())
	}
}

func TestUserAddAndMigrate(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "users.db")
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "schema version") {
		t.Errorf("migrate said %q", out.String())
	}
	add := func(stdin string, args ...string) error {
		return run(ctx, append([]string{"user", "add", "--db", db}, args...), env(nil), strings.NewReader(stdin), io.Discard, io.Discard)
	}
	if err := add("a long enough password\n", "--username", "lo-fi", "--role", "liaison_officer", "--nation", "fi"); err != nil {
		t.Fatalf("user add: %v", err)
	}
	for name, tc := range map[string]struct {
		stdin string
		args  []string
		want  string
	}{
		"duplicate":       {"a long enough password\n", []string{"--username", "lo-fi", "--role", "liaison_officer", "--nation", "FI"}, "already exists"},
		"short password":  {"short\n", []string{"--username", "x", "--role", "admin"}, "password"},
		"common password": {"password1234\n", []string{"--username", "x", "--role", "admin"}, "is a common password with digits or symbols added"},
		"username inside": {"Lo-No spring exercise 2026\n", []string{"--username", "lo-no", "--role", "liaison_officer", "--nation", "NO"}, "must not contain the username"},
		"e-mail inside":   {"Berg spring exercise 2026\n", []string{"--username", "lo-no", "--role", "liaison_officer", "--nation", "NO", "--email", "anna.berg@forsvarsmakten.se"}, "must not contain the e-mail address"},
		"unknown role":    {"a long enough password\n", []string{"--username", "x", "--role", "king"}, "unknown role"},
		"no nation":       {"a long enough password\n", []string{"--username", "x", "--role", "liaison_officer"}, "nation"},
		"unknown nation":  {"a long enough password\n", []string{"--username", "x", "--role", "liaison_officer", "--nation", "RU"}, "unknown nation"},
		"approver nation": {"a long enough password\n", []string{"--username", "x", "--role", "ministry", "--nation", "SE"}, "nation"},
	} {
		err := add(tc.stdin, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to mention %q", name, err, tc.want)
		}
	}
}

func TestPolicyCheck(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"policy", "check"}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "valid") || !strings.Contains(out.String(), "range_safety") {
		t.Errorf("policy check said %q", out.String())
	}
	dir := t.TempDir()
	bad := "version: x\neligibility:\n  - id: a\n    when: \"true\"\n    reason: r\nstages:\n  - id: s\n    role: hns_officer\n    order: 1\n    when: \"request.live_fir\"\n    approvals_required: 1\n    sla_working_days: 1\n    reason: r\n"
	if err := os.WriteFile(filepath.Join(dir, "policy.yaml"), []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"policy", "check", dir}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "policy.yaml:10") {
		t.Fatalf("bad policy: err = %v, want file and line 10", err)
	}
	// The server refuses to start on it, before touching the database.
	err = run(context.Background(), []string{"serve", "--policies", dir, "--db", filepath.Join(dir, "x.db")}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "policy.yaml:10") {
		t.Fatalf("serve with a bad policy: err = %v", err)
	}
	if _, statErr := os.Stat(filepath.Join(dir, "x.db")); statErr == nil {
		t.Error("serve created a database despite the bad policy")
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{nil, {"fly"}, {"user"}, {"policy", "frobnicate"}} {
		if err := run(context.Background(), args, env(nil), nil, io.Discard, io.Discard); err == nil {
			t.Errorf("run(%v) succeeded", args)
		}
	}
}

func TestMaskedDB(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"postgres://app:s3cret@db:5432/exaccess?sslmode=require", "postgres://app:xxxxx@db:5432/exaccess?sslmode=require"},
		{"postgres://app@db/exaccess?password=s3cret&sslmode=require", "postgres://app@db/exaccess?password=xxxxx&sslmode=require"},
		{"postgresql://db/exaccess?PASSWORD=s3cret", "postgresql://db/exaccess?PASSWORD=xxxxx"},
		{"postgres://app:s3cret@db/exaccess?password=s3cret", "postgres://app:xxxxx@db/exaccess?password=xxxxx"},
		{"postgres://app:s3cret@db/ex%zzaccess", unparsableDSN},
		{"postgres://app@db/exaccess?password=s3cret%zz", unparsableDSN},
		{"host=db user=app password=s3cret dbname=exaccess", "host=db user=app password=xxxxx dbname=exaccess"},
		{"host=db password = 's3cret word' dbname=exaccess", "host=db password = xxxxx dbname=exaccess"},
		{`host=db password='s3\'cret' dbname=exaccess`, "host=db password=xxxxx dbname=exaccess"},
		{"exaccess.db", "exaccess.db"},
		{"/var/lib/exaccess/exaccess.db", "/var/lib/exaccess/exaccess.db"},
	} {
		got := maskedDB(tc.dsn)
		if got != tc.want || strings.Contains(got, "s3") {
			t.Errorf("maskedDB(%q) = %q, want %q", tc.dsn, got, tc.want)
		}
	}
}

// A malformed environment variable fails the start instead of silently
// falling back to a default an operator did not choose.
func TestBadEnvironmentFailsStart(t *testing.T) {
	for k, v := range map[string]string{"EXACCESS_TOKEN_TTL": "forever", "EXACCESS_DEMO": "perhaps"} {
		err := run(context.Background(), []string{"serve", "--db", filepath.Join(t.TempDir(), "x.db")}, env(map[string]string{k: v}), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: err = %v", k, v, err)
		}
	}
}

// TestReadOnlyCommandsDoNotMigrate: audit verify, user list and backup open
// the database as it is. On one that is not at this binary's schema, those
// that read rows refuse instead of upgrading it under a server that may
// still run; backup copies it as it is (backup_test.go).
func TestReadOnlyCommandsDoNotMigrate(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "old.db")
	db, err := storage.Open(ctx, dsn) // an empty database: schema version 0
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	skey, _ := auditlog.GenerateSignerKey()
	signer, err := auditlog.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "audit-key.txt") // --key files are read, and checked, first
	os.WriteFile(keyFile, []byte(signer.VerifierKey()+"\n"), 0o600)
	for _, args := range [][]string{{"audit", "verify", "--key", keyFile}, {"user", "list"}} {
		err := run(ctx, append(args, "--db", dsn), env(nil), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "migrate") {
			t.Errorf("%v on an unmigrated database: %v", args, err)
		}
	}
	if err := run(ctx, []string{"backup", "--db", dsn, "--out", dsn + ".bak"}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Errorf("backup of an unmigrated database: %v", err)
	}
	db, err = storage.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(ctx); v != 0 {
		t.Errorf("a read-only command migrated the database to version %d", v)
	}
}
