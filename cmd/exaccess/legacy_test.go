package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// lockedBuffer is a bytes.Buffer that a server's goroutines may write
// while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLegacyAccountsFlagged: accounts stored before the rules refused them
// — admin beside an approver role, a name like the server's own actor —
// are marked by `user list`, which then says what is wrong with each and
// what to do; the server's start logs one warning naming the account
// named like the system; neither changes them. A disabled one is not
// flagged.
func TestLegacyAccountsFlagged(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "legacy.db")
	if err := run(ctx, []string{"migrate", "--db", path}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	disabled := now
	for i, u := range []domain.User{
		{Username: "root", Roles: []domain.Role{domain.RoleAdmin}},
		{Username: "boss", Roles: []domain.Role{domain.RoleAdmin, domain.RoleHNS}},
		{Username: " System", Roles: []domain.Role{domain.RoleRange}},
		{Username: "old-boss", Roles: []domain.Role{domain.RoleAdmin, domain.RoleRange}, DisabledAt: &disabled, DisabledReason: "left"},
		{Username: "ops", Roles: []domain.Role{domain.RoleOperations}},
	} {
		u.ID, u.PasswordHash, u.CreatedAt, u.UpdatedAt, u.Generation, u.Version = newID(), "x", now.Add(time.Duration(i)), now, 1, 1
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	var out bytes.Buffer
	if err := run(ctx, []string{"user", "list", "--db", path}, env(nil), nil, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	marked := map[string]bool{}
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 0 && strings.Contains(line, "WARNING (below)") {
			marked[f[0]] = true
		}
	}
	if len(marked) != 2 || !marked["boss"] || !marked["System"] {
		t.Errorf("marked %v, want boss and System:\n%s", marked, out.String())
	}
	for _, want := range []string{
		"exaccess: warning: account boss: " + domain.AdminApproverWarning + "\n",
		"exaccess: warning: account  System: " + domain.ReservedNameWarning + "\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("user list lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "account old-boss") || strings.Contains(out.String(), "account ops") {
		t.Errorf("user list warns of a sound or disabled account:\n%s", out.String())
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outR, outW := io.Pipe()
	var logs lockedBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "off", "--db", path}, env(nil), nil, outW, &logs)
		outW.Close()
	}()
	sc := bufio.NewScanner(outR)
	for sc.Scan() && !strings.Contains(sc.Text(), "listening on") {
	}
	go io.Copy(io.Discard, outR)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	var warned []map[string]any
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["level"] == "WARN" && strings.Contains(rec["msg"].(string), "server's own actor") {
			warned = append(warned, rec)
		}
	}
	if len(warned) != 1 || warned[0]["username"] != " System" || warned[0]["msg"] != "an account is "+domain.ReservedNameWarning {
		t.Fatalf("start warnings %v\n%s", warned, logs.String())
	}
	db, err = storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if u, err := db.GetUserByUsername(context.Background(), " System"); err != nil || u.Disabled() || u.Version != 1 {
		t.Fatalf("the account named like the system was changed: %+v, %v", u, err)
	}
}
