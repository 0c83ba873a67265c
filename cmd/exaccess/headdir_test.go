package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"exaccess/auditlog"
)

// The review's setup: the key and its head file exist in a directory the
// server cannot write. The start stops with one line naming the directory
// and the permission needed, instead of a "ready" server that signs and
// exports nothing. Root ignores permissions: the auditlog package tests
// the same check with a directory that cannot exist.
func TestUnwritableHeadDirStopsStart(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions (auditlog's TestHeadDirNotWritableStopsStart covers the check)")
	}
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	os.Mkdir(keys, 0o755)
	db := filepath.Join(dir, "h.db")
	key := filepath.Join(keys, "ck")
	_, stop := startServer(t, []string{"--db", db, "--checkpoint-key", key}, nil)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(auditlog.HeadPath(key)); err != nil {
		t.Fatal(err)
	}
	os.Chmod(keys, 0o555)
	t.Cleanup(func() { os.Chmod(keys, 0o755) })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--checkpoint-key", key}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "needs write and execute permission on the directory "+keys) || strings.Contains(err.Error(), "\n") {
		t.Errorf("start with an unwritable key directory: %v", err)
	}
}

// When the head file cannot be written while the server runs (its
// directory gone, here replaced by a file), an export answers 409 with a
// fixed text instead of a 500, /readyz warns, the failed checkpoint rounds
// are logged once, not on every poll, and everything works again once the
// directory is back.
func TestExportWhileHeadCannotBeWritten(t *testing.T) {
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	os.Mkdir(keys, 0o700)
	key := filepath.Join(keys, "ck")
	s := startWitnessedServer(t, "--db", filepath.Join(dir, "h.db"), "--demo", "--checkpoint-key", key)
	auditor := signIn(t, s.base, "auditor")
	export := func() (int, map[string]any) {
		st, body, _ := send("GET", s.base+"/api/v1/audit/export", auditor, "")
		return st, body
	}
	if st, _ := export(); st != 200 {
		t.Fatalf("export: %d", st)
	}
	if err := os.Rename(keys, keys+".moved"); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(keys, []byte("not a directory"), 0o600)
	st, body := export()
	if st != 409 || body["code"] != "conflict" || !strings.Contains(body["detail"].(string), "not signing checkpoints") ||
		strings.Contains(body["detail"].(string), keys) {
		t.Errorf("export with an unwritable head: %d %v", st, body)
	}
	if st, ready := s.get(t, "/readyz"); st != 200 || !strings.Contains(ready, "head file cannot be written") || strings.Contains(ready, keys) {
		t.Errorf("/readyz: %d %s", st, ready)
	}
	time.Sleep(2 * time.Second) // eight polls of the checkpointer (every 250 ms)
	if n := strings.Count(s.logs.String(), `"msg":"audit checkpoint"`); n != 1 {
		t.Errorf("%d log lines for one failure:\n%s", n, s.logs.String())
	}

	os.Remove(keys)
	if err := os.Rename(keys+".moved", keys); err != nil {
		t.Fatal(err)
	}
	if st, body := export(); st != 200 {
		t.Errorf("export after the repair: %d %v", st, body)
	}
	if _, ready := s.get(t, "/readyz"); strings.Contains(ready, "warnings") {
		t.Errorf("/readyz after the repair: %s", ready)
	}
	waitFor(t, func() bool { return strings.Contains(s.logs.String(), "audit checkpoints no longer fail") })
}
