package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth"
	"exaccess/storage"
)

// TestUserCommands drives every account subcommand on one database and
// checks what each left in it.
func TestUserCommands(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "accounts.db")
	user := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{"user"}, args...), "--db", db), env(map[string]string{"USER": "operator"}),
			strings.NewReader(stdin), &out, io.Discard)
		return out.String(), err
	}
	mustUser := func(stdin string, args ...string) string {
		t.Helper()
		out, err := user(stdin, args...)
		if err != nil {
			t.Fatalf("user %v: %v", args, err)
		}
		return out
	}
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	mustUser("a long enough password\n", "add", "--username", "root", "--role", "admin")
	mustUser("a long enough password\n", "add", "--username", "ops", "--role", "operations_approver")
	if _, err := user("qwerty123456\n", "add", "--username", "x", "--role", "auditor"); err == nil || !strings.Contains(err.Error(), "common") {
		t.Errorf("a common password was accepted: %v", err)
	}
	if out := mustUser("", "list"); !strings.Contains(out, "root") || !strings.Contains(out, "operations_approver") {
		t.Errorf("list: %s", out)
	}
	if _, err := user("", "disable", "--username", "ops"); err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("disable without a reason: %v", err)
	}
	// Disabling the only approver warns that nobody holds the approver
	// roles; each later change names those still unheld.
	const unheld = "warning: no enabled account holds "
	if out := mustUser("", "disable", "--username", "ops", "--reason", "left the unit"); !strings.Contains(out,
		unheld+"hns_officer,range_officer,operations_approver,ministry:") {
		t.Errorf("disable the only approver: %s", out)
	}
	if out := mustUser("", "list", "--disabled", "true"); !strings.Contains(out, "ops") || strings.Contains(out, "root") {
		t.Errorf("list --disabled true: %s", out)
	}
	if _, err := user("", "disable", "--username", "root", "--reason", "x"); err == nil || !strings.Contains(err.Error(), "last administrator who can sign in") {
		t.Errorf("disabling the last administrator: %v", err)
	}
	if out := mustUser("", "enable", "--username", "ops", "--reason", "back"); strings.Contains(out, unheld) {
		t.Errorf("enable warns: %s", out)
	}
	if out := mustUser("", "roles", "--username", "ops", "--role", "ministry", "--reason", "moved"); !strings.Contains(out,
		unheld+"hns_officer,range_officer,operations_approver:") {
		t.Errorf("roles: %s", out)
	}
	// The roles it holds already: nothing changes, no token is refused.
	if out := mustUser("", "roles", "--username", "ops", "--role", "ministry", "--reason", "checked"); !strings.Contains(out,
		"ops: nothing to change (roles ministry, nation -); its tokens stay valid") || strings.Contains(out, "refuse") {
		t.Errorf("roles unchanged: %s", out)
	}
	if _, err := user("", "roles", "--username", "ops", "--role", "liaison_officer"); err == nil || !strings.Contains(err.Error(), "nation") {
		t.Errorf("a liaison officer without a nation: %v", err)
	}
	// An administrator holds no other role; no account takes the name
	// the audit log gives the server's own actions.
	if _, err := user("", "roles", "--username", "ops", "--role", "admin", "--role", "ministry"); err == nil ||
		!strings.Contains(err.Error(), "administrator holds no other role") {
		t.Errorf("an administrator who is an approver too: %v", err)
	}
	if _, err := user("a long enough password\n", "add", "--username", "boss", "--role", "admin", "--role", "auditor"); err == nil ||
		!strings.Contains(err.Error(), "administrator holds no other role") {
		t.Errorf("adding an administrator who is an auditor too: %v", err)
	}
	for _, name := range []string{"system", "SYSTEM"} {
		if _, err := user("a long enough password\n", "add", "--username", name, "--role", "hns_officer"); err == nil ||
			!strings.Contains(err.Error(), "reserved") {
			t.Errorf("adding an account named %s: %v", name, err)
		}
	}
	out := mustUser("", "reset-password", "--username", "ops")
	_, otp, ok := strings.Cut(strings.TrimSpace(strings.Split(out, "\n")[0]), "): ")
	if !ok || len(otp) < 20 {
		t.Fatalf("reset-password printed %q", out)
	}
	_, until, _ := strings.Cut(out, "it signs in until ")
	until, _, _ = strings.Cut(until, ";")
	if list := mustUser("", "list", "--role", "ministry"); !strings.Contains(list, "one-time password until "+until) {
		t.Errorf("list after the reset: %s", list)
	}
	// E-mail addresses: set at creation, shown by list, changed and removed.
	if out := mustUser("a long enough password\n", "add", "--username", "berg", "--role", "hns_officer",
		"--email", "berg@fm.example.se"); !strings.Contains(out, "e-mail berg@fm.example.se") {
		t.Errorf("add --email: %s", out)
	}
	for _, bad := range []string{"not-an-address", "a@b@c", "Berg <berg@fm.example.se>", " berg@fm.example.se"} {
		_, err := user("a long enough password\n", "add", "--username", "bad", "--role", "hns_officer", "--email", bad)
		if err == nil || !strings.Contains(err.Error(), "email: must be an e-mail address like name@example.org") {
			t.Errorf("add --email %q: %v", bad, err)
		}
		if _, err := user("", "email", "--username", "berg", "--email", bad); err == nil || !strings.Contains(err.Error(), "email: must be an e-mail address") {
			t.Errorf("email --email %q: %v", bad, err)
		}
	}
	if out := mustUser("", "list", "--role", "hns_officer"); !strings.Contains(out, "EMAIL") || !strings.Contains(out, "berg@fm.example.se") {
		t.Errorf("list does not show the address: %s", out)
	}
	if _, err := user("", "email", "--username", "berg"); err == nil || !strings.Contains(err.Error(), "--email is required") {
		t.Errorf("email without --email: %v", err)
	}
	if out := mustUser("", "email", "--username", "berg", "--email", "hns@fm.example.se"); !strings.Contains(out, "e-mail hns@fm.example.se") {
		t.Errorf("email: %s", out)
	}
	if out := mustUser("", "email", "--username", "berg", "--email", ""); !strings.Contains(out, "e-mail none") {
		t.Errorf("email removal: %s", out)
	}
	if out := mustUser("", "list", "--role", "hns_officer"); strings.Contains(out, "@") {
		t.Errorf("list after the removal: %s", out)
	}
	if _, err := user("", "frobnicate"); err == nil {
		t.Error("an unknown subcommand was accepted")
	}

	s, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	u, err := s.GetUserByUsername(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if u.Roles[0] != "ministry" || u.Disabled() || !u.MustChangePassword || !auth.VerifyPassword(u.PasswordHash, otp) || u.Generation != 5 {
		t.Errorf("ops after the commands: %+v", u)
	}
	if u.OneTimePasswordExpiresAt == nil || u.OneTimePasswordExpiresAt.Format(time.RFC3339) != until {
		t.Errorf("reset-password said the one-time password signs in until %q; stored: %v", until, u.OneTimePasswordExpiresAt)
	}
}

// TestCLIActor: every account command names the operating-system user in
// the audit log, cli:<user>, whether USER is set or not (docker compose
// exec sets none), and never system, which is the server's own actions.
func TestCLIActor(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "actors.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	osUser, osErr := "", error(nil)
	defer func(f func() (string, error)) { currentOSUser = f }(currentOSUser)
	currentOSUser = func() (string, error) { return osUser, osErr }
	user := func(vars map[string]string, stdin string, args ...string) {
		t.Helper()
		err := run(ctx, append(append([]string{"user"}, args...), "--db", db), env(vars), strings.NewReader(stdin), io.Discard, io.Discard)
		if err != nil {
			t.Fatalf("user %v: %v", args, err)
		}
	}
	user(map[string]string{"USER": "operator"}, "a long enough password\n", "add", "--username", "root", "--role", "admin")
	user(map[string]string{"USER": "operator"}, "a long enough password\n", "add", "--username", "ops", "--role", "ministry")
	osUser = "exaccess"
	user(nil, "", "disable", "--username", "ops", "--reason", "left")
	user(nil, "a long enough password\n", "add", "--username", "hns", "--role", "hns_officer")
	osUser, osErr = "", errors.New("unknown userid")
	user(nil, "", "enable", "--username", "ops", "--reason", "back")
	user(map[string]string{"USER": "bad name"}, "", "email", "--username", "ops", "--email", "ops@example.org")

	s, err := storage.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var got []string
	err = s.StreamAuditRows(ctx, func(_ int64, entry []byte, _ string) error {
		var e struct{ Actor, Action string }
		if err := json.Unmarshal(entry, &e); err != nil {
			return err
		}
		got = append(got, e.Action+" "+e.Actor)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	uid := "cli:uid:" + strconv.Itoa(os.Getuid())
	want := []string{"user.created cli:operator", "user.created cli:operator", "user.disabled cli:exaccess",
		"user.created cli:exaccess", "user.enabled " + uid, "user.updated " + uid}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit actors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
