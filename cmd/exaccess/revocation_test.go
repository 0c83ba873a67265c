package main

import (
	"context"
	"io"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage/storagetest"
)

// revocationBound is the product's promise: a disabled or changed account's
// tokens are refused on every replica within five seconds.
const revocationBound = 5 * time.Second

// TestRevocationAcrossProcessesOnPostgreSQL runs two real server processes
// on one PostgreSQL database. An account made and changed through replica
// A (and through the command line, on the live database) loses its token on
// replica B within the bound, though B had just accepted it.
func TestRevocationAcrossProcessesOnPostgreSQL(t *testing.T) {
	var dsn string
	for _, c := range storagetest.Databases(t) {
		if c.Name == "postgres" {
			dsn = c.DSN
		}
	}
	if dsn == "" {
		t.Skip("no PostgreSQL: set " + storagetest.PostgresEnv + " (CI always does)")
	}
	bin := buildBinary(t)
	a := startProcess(t, bin, dsn, true)
	b := startProcess(t, bin, dsn, false)
	admin := signIn(t, a.base, "admin")

	// On-boarding through A; the first sign-in and the password change through B.
	st, created, _ := send("POST", a.base+"/api/v1/users", admin, `{"username":"ops-new","roles":["operations_approver"]}`)
	if st != 201 {
		t.Fatalf("create user: %d %v", st, created)
	}
	id := created["user"].(map[string]any)["id"].(string)
	otp := created["one_time_password"].(string)
	st, tok, _ := send("POST", b.base+"/api/v1/auth/token", "", `{"username":"ops-new","password":"`+otp+`"}`)
	if st != 200 {
		t.Fatalf("first sign-in on B: %d %v", st, tok)
	}
	if st, p, _ := send("GET", b.base+"/api/v1/queue", tok["access_token"].(string), ""); st != 403 || p["code"] != "password_change_required" {
		t.Fatalf("a one-time token served the queue: %d %v", st, p)
	}
	st, tok, _ = send("POST", b.base+"/api/v1/me/password", tok["access_token"].(string),
		`{"old_password":"`+otp+`","new_password":"granite lantern harbour"}`)
	if st != 200 {
		t.Fatalf("password change on B: %d %v", st, tok)
	}
	token := tok["access_token"].(string)
	for _, p := range []*process{a, b} {
		if st, body, _ := send("GET", p.base+"/api/v1/queue", token, ""); st != 200 {
			t.Fatalf("the new token is refused by %s: %d %v", p.base, st, body)
		}
	}

	// Off-boarding through A: B refuses the token within the bound.
	if st, body, _ := send("POST", a.base+"/api/v1/users/"+id+"/disable", admin, `{"reason":"left the unit"}`); st != 200 {
		t.Fatalf("disable: %d %v", st, body)
	}
	waitRefused(t, b, token)
	if st, _, _ := send("POST", b.base+"/api/v1/auth/token", "", `{"username":"ops-new","password":"granite lantern harbour"}`); st != 401 {
		t.Fatalf("a disabled account signed in on B: %d", st)
	}

	// Enabled again from the command line: old tokens stay dead, a new
	// sign-in works; a role change from the command line revokes that one.
	cli := func(args ...string) {
		t.Helper()
		if err := run(context.Background(), append(append([]string{"user"}, args...), "--db", dsn), env(nil), nil, io.Discard, io.Discard); err != nil {
			t.Fatalf("exaccess user %v: %v", args, err)
		}
	}
	cli("enable", "--username", "ops-new", "--reason", "came back")
	if st, _, _ := send("GET", b.base+"/api/v1/queue", token, ""); st != 401 {
		t.Fatalf("a token from before the disable works again after enable: %d", st)
	}
	st, tok, _ = send("POST", b.base+"/api/v1/auth/token", "", `{"username":"ops-new","password":"granite lantern harbour"}`)
	if st != 200 {
		t.Fatalf("sign-in after enable: %d %v", st, tok)
	}
	token = tok["access_token"].(string)
	if st, body, _ := send("GET", a.base+"/api/v1/queue", token, ""); st != 200 {
		t.Fatalf("A refuses the fresh token: %d %v", st, body)
	}
	cli("roles", "--username", "ops-new", "--role", string(domain.RoleMinistry), "--reason", "moved to the ministry")
	waitRefused(t, a, token)
}

// waitRefused polls p with token until it answers 401, and fails when that
// takes longer than the revocation bound.
func waitRefused(t *testing.T, p *process, token string) {
	t.Helper()
	start := time.Now()
	for {
		st, _, _ := send("GET", p.base+"/api/v1/me", token, "")
		if st == 401 {
			t.Logf("%s refused the token %v after the change", p.base, time.Since(start).Round(time.Millisecond))
			return
		}
		if st != 200 {
			t.Fatalf("%s answered %d while the token was still valid", p.base, st)
		}
		if time.Since(start) > revocationBound {
			t.Fatalf("%s still accepts the token %v after the change", p.base, revocationBound)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
