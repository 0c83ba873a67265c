package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startServer runs `exaccess serve` in-process, as main does, on a free port
// and returns its base URL and a stop function that cancels it as SIGTERM
// would and returns serve's error.
func startServer(t *testing.T, args []string, env map[string]string) (string, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, nil, outW, io.Discard)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	base := ""
	for base == "" && sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			base = strings.Fields(url)[0]
		}
	}
	go io.Copy(io.Discard, outR)
	if base == "" {
		cancel()
		t.Fatalf("server did not start: %v", <-done)
	}
	return base, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			return context.DeadlineExceeded
		}
	}
}

// call sends a JSON request and decodes a JSON answer.
func call(t *testing.T, method, url, token, body string, headers ...string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, url, resp.StatusCode, out)
	}
	return out
}

func signIn(t *testing.T, base, user string) string {
	t.Helper()
	return call(t, "POST", base+"/api/v1/auth/token", "", `{"username":"`+user+`","password":"demo"}`)["access_token"].(string)
}

// TestBackupOfRunningServerVerifies backs up a database while the server
// runs, after real work and a signed checkpoint, then verifies the copy's
// audit log offline.
func TestBackupOfRunningServerVerifies(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	base, stop := startServer(t, []string{"--demo", "--db", db}, nil)
	lo := signIn(t, base, "lo-no")
	body := requestBody("Backup drill", 10, "")
	id := call(t, "POST", base+"/api/v1/requests", lo, body)["id"].(string)
	call(t, "POST", base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", `"1"`)
	call(t, "GET", base+"/api/v1/audit/checkpoint", signIn(t, base, "auditor"), "")

	backup := filepath.Join(dir, "backup.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--db", db, "--out", backup}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("backup while serving: %v", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("serve: %v", err)
	}
	out.Reset()
	// The key is not in the backup: it is the server's key file, read apart.
	if err := run(context.Background(), []string{"audit", "key", "--db", db}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("audit key: %v", err)
	}
	keyFile := filepath.Join(dir, "audit-key.txt")
	if err := os.WriteFile(keyFile, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(context.Background(), []string{"audit", "verify", "--db", backup, "--key", keyFile}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatalf("verify the restored backup: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "verified") {
		t.Errorf("verify said %q", out.String())
	}
	if err := run(context.Background(), []string{"backup", "--db", db}, env(nil), nil, io.Discard, io.Discard); err == nil {
		t.Error("backup without --out succeeded")
	}
}

// backup refuses a PostgreSQL DSN before connecting to it: the answer is
// pg_dump, never a driver's dial error, and the password is not printed.
func TestBackupRefusesPostgresWithoutConnecting(t *testing.T) {
	out := filepath.Join(t.TempDir(), "b.db")
	for _, dsn := range []string{"postgres://x:secretpw@127.0.0.1:1/x", "postgresql://x:secretpw@127.0.0.1:1/x?sslmode=disable"} {
		err := run(context.Background(), []string{"backup", "--db", dsn, "--out", out}, env(nil), nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "is PostgreSQL: use pg_dump") || strings.Contains(err.Error(), "dial") ||
			strings.Contains(err.Error(), "connect") || strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%s: %v", dsn, err)
		}
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused backup left a file: %v", err)
	}
}
