package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// unreadStdin fails the test if the command reads it: the password must
// be asked for only once everything else has been checked.
type unreadStdin struct{ t *testing.T }

func (r unreadStdin) Read([]byte) (int, error) {
	r.t.Error("the command read standard input (the password) before refusing its other arguments")
	return 0, io.EOF
}

// TestUserAddChecksBeforeThePassword: user add refuses a missing or bad
// flag, a --db with no database and a taken username before it reads the
// password, so that nobody types a password to learn that the command
// line was wrong. A missing flag is a usage error (exit 2) pointing at the
// subcommand's flags.
func TestUserAddChecksBeforeThePassword(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, []string{"user", "add", "--db", db, "--username", "taken", "--role", "auditor"}, env(nil),
		strings.NewReader("a long enough password\n"), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		want string
		exit int
	}{
		{"no --role", []string{"--db", db, "--username", "x"}, "user add: --role is required", 2},
		{"no --username", []string{"--db", db, "--role", "auditor"}, "user add: --username is required", 2},
		{"liaison officer without a nation", []string{"--db", db, "--username", "x", "--role", "liaison_officer"}, "nation: a liaison officer must be bound to a nation", 1},
		{"a nation for an auditor", []string{"--db", db, "--username", "x", "--role", "auditor", "--nation", "NO"}, "only liaison officers are bound to a nation", 1},
		{"a bad address", []string{"--db", db, "--username", "x", "--role", "auditor", "--email", "nope"}, "email: must be an e-mail address", 1},
		{"a bad username", []string{"--db", db, "--username", "X Y", "--role", "auditor"}, "username: must be", 1},
		{"a taken username", []string{"--db", db, "--username", "taken", "--role", "auditor"}, `a user named "taken" already exists`, 1},
		{"no database", []string{"--db", filepath.Join(dir, "nosuch.db"), "--username", "x", "--role", "auditor"}, "no database at", 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := run(ctx, append([]string{"user", "add"}, c.args...), env(nil), unreadStdin{t}, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != c.exit {
				t.Fatalf("got %v (exit %d), want %q, exit %d", err, exitCode(err), c.want, c.exit)
			}
			if c.exit == 2 && !strings.Contains(err.Error(), "see 'exaccess user add -h'") {
				t.Errorf("no pointer to the subcommand's flags: %v", err)
			}
		})
	}
}

// TestUserChangeMissingArguments: a missing required flag of the account
// subcommands is a usage error, exit 2, pointing at the subcommand's -h;
// a username that names no account is said once, plainly.
func TestUserChangeMissingArguments(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "a.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"disable", "--username", "x"}, "user disable: --reason is required"},
		{[]string{"disable", "--username", "x", "--reason", "  "}, "user disable: --reason is required"},
		{[]string{"enable", "--username", "x"}, "user enable: --reason is required"},
		{[]string{"disable", "--reason", "left"}, "user disable: --username is required"},
		{[]string{"roles", "--role", "auditor"}, "user roles: --username is required"},
		{[]string{"email", "--username", "x"}, "user email: --email is required"},
	} {
		err := run(ctx, append(append([]string{"user"}, c.args...), "--db", db), env(nil), nil, io.Discard, io.Discard)
		sub := "user " + c.args[0]
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "see 'exaccess "+sub+" -h'") || exitCode(err) != 2 {
			t.Errorf("%v: %v (exit %d), want %q and exit 2", c.args, err, exitCode(err), c.want)
		}
	}
	err := run(ctx, []string{"user", "disable", "--username", "nosuch", "--reason", "left", "--db", db}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || exitCode(err) != 1 || err.Error() != "user nosuch: no such account in "+db {
		t.Errorf("an unknown username: %v", err)
	}
}

// TestUserRolesClearsTheNation: a liaison officer given roles that are not
// liaison_officer loses the nation without --nation "", and is told so; a
// --nation given with them is still refused.
func TestUserRolesClearsTheNation(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "a.db")
	user := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{"user"}, args...), "--db", db), env(nil), strings.NewReader(stdin), &out, io.Discard)
		return out.String(), err
	}
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	if _, err := user("a long enough password\n", "add", "--username", "lo-fi", "--role", "liaison_officer", "--nation", "FI"); err != nil {
		t.Fatal(err)
	}
	if _, err := user("", "roles", "--username", "lo-fi", "--role", "hns_officer", "--nation", "FI"); err == nil ||
		!strings.Contains(err.Error(), "only liaison officers are bound to a nation") {
		t.Errorf("a nation given with roles that take none: %v", err)
	}
	out, err := user("", "roles", "--username", "lo-fi", "--role", "hns_officer", "--reason", "moved to HNS")
	if err != nil {
		t.Fatalf("roles without --nation: %v", err)
	}
	if !strings.Contains(out, "roles hns_officer, nation -") || !strings.Contains(out, "nation FI removed: only liaison officers are bound to a nation") {
		t.Errorf("roles without --nation: %s", out)
	}
	// Back to liaison officer: the nation must be given again.
	if _, err := user("", "roles", "--username", "lo-fi", "--role", "liaison_officer"); err == nil || !strings.Contains(err.Error(), "nation") {
		t.Errorf("a liaison officer again without a nation: %v", err)
	}
	if out, err := user("", "roles", "--username", "lo-fi", "--role", "liaison_officer", "--nation", "fi"); err != nil ||
		!strings.Contains(out, "nation FI") || strings.Contains(out, "removed") {
		t.Errorf("a liaison officer again: %s, %v", out, err)
	}
}

// TestBackupRestoreMessages: a missing --out or --from is a usage error
// pointing at the command's flags, and restore names its own part once.
func TestBackupRestoreMessages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{{"backup", "--db", db}, {"restore", "--db", db}} {
		err := run(ctx, c, env(nil), nil, io.Discard, io.Discard)
		if err == nil || exitCode(err) != 2 || !strings.Contains(err.Error(), "is required; see 'exaccess "+c[0]+" -h'") {
			t.Errorf("%v: %v", c, err)
		}
	}
	missing := filepath.Join(dir, "nosuch.db")
	err := run(ctx, []string{"restore", "--from", missing, "--db", db}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || strings.Count(err.Error(), "restore") != 1 || strings.Contains(err.Error(), "storage:") ||
		!strings.HasPrefix(err.Error(), "restore: open "+missing) {
		t.Errorf("restore from a missing file: %v", err)
	}
}

// TestAuditKeyMissingFile: audit key with no key file at the default path
// says where it looked and how to name the server's key file; with
// --checkpoint-key given, that the server creates the file at its start.
func TestAuditKeyMissingFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "a.db")
	for _, c := range []struct {
		args, want []string
	}{
		{[]string{"--db", db}, []string{"no checkpoint key file at " + db + ".checkpoint-key", "the default beside --db",
			"--checkpoint-key FILE", "EXACCESS_CHECKPOINT_KEY"}},
		{[]string{"--db", "postgres://exaccess@127.0.0.1:1/none"}, []string{"no checkpoint key file at exaccess-checkpoint.key",
			"in the working directory", "--checkpoint-key FILE", "EXACCESS_CHECKPOINT_KEY"}},
		{[]string{"--checkpoint-key", filepath.Join(dir, "k")}, []string{"no checkpoint key file at " + filepath.Join(dir, "k"),
			"the server creates it on its first start"}},
	} {
		err := run(ctx, append([]string{"audit", "key"}, c.args...), env(nil), nil, io.Discard, io.Discard)
		for _, w := range c.want {
			if err == nil || !strings.Contains(err.Error(), w) || strings.Contains(err.Error(), "stat ") {
				t.Errorf("audit key %v: %v, want %q", c.args, err, w)
			}
		}
	}
}
