package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestUserCommandsOnAnAccountHoldingAPolicyRole: `user email` and `user
// roles` without --role work on an account holding a role of the policy
// when --policies (or EXACCESS_POLICIES) names it, and say so when it is
// missing; `user list --role` finds the holders of a role no policy loaded
// names, and `user list` warns of them; `user roles --role` takes such a
// role away without the policy.
func TestUserCommandsOnAnAccountHoldingAPolicyRole(t *testing.T) {
	builtin := domain.SnapshotRoles()
	t.Cleanup(builtin.Restore)
	ctx := context.Background()
	dir := customsPolicyDir(t)
	db := filepath.Join(t.TempDir(), "accounts.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	user := func(vars map[string]string, args ...string) (string, error) {
		builtin.Restore() // each command as a new process: only the built-in roles known
		var out, errOut bytes.Buffer
		err := run(ctx, append(append([]string{"user"}, args...), "--db", db), env(vars), strings.NewReader("a long enough password\n"), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := user(nil, "add", "--username", "tull", "--role", "hns_officer", "--role", "customs_officer", "--policies", dir); err != nil {
		t.Fatalf("user add: %v\n%s", err, out)
	}

	_, err := user(nil, "email", "--username", "tull", "--email", "tull@example.org")
	if err == nil || !strings.Contains(err.Error(), "customs_officer") || !strings.Contains(err.Error(), "--policies") {
		t.Errorf("user email without the policy: %v", err)
	}
	if out, err := user(nil, "email", "--username", "tull", "--email", "tull@example.org", "--policies", dir); err != nil {
		t.Errorf("user email --policies: %v\n%s", err, out)
	}
	if out, err := user(map[string]string{"EXACCESS_POLICIES": dir}, "email", "--username", "tull", "--email", "tull2@example.org"); err != nil {
		t.Errorf("user email with EXACCESS_POLICIES: %v\n%s", err, out)
	}
	if out, err := user(map[string]string{"EXACCESS_POLICIES": dir}, "roles", "--username", "tull", "--nation", "", "--reason", "check"); err != nil {
		t.Errorf("user roles --nation '' with EXACCESS_POLICIES: %v\n%s", err, out)
	}

	out, err := user(nil, "list", "--role", "customs_officer")
	if err != nil || !strings.Contains(out, "tull") {
		t.Errorf("user list --role of a role no policy loaded names: %v\n%s", err, out)
	}
	out, err = user(nil, "list")
	if err != nil || !strings.Contains(out, "warning: account tull: ") || !strings.Contains(out, "customs_officer") {
		t.Errorf("user list does not warn of the role no policy loaded names: %v\n%s", err, out)
	}
	if out, err = user(map[string]string{"EXACCESS_POLICIES": dir}, "list"); err != nil || strings.Contains(out, "warning: account tull") {
		t.Errorf("user list warns of a role the policy names: %v\n%s", err, out)
	}

	if out, err := user(nil, "roles", "--username", "tull", "--role", "hns_officer", "--reason", "customs gone"); err != nil {
		t.Fatalf("user roles taking the dropped role away: %v\n%s", err, out)
	}
	if out, err := user(nil, "email", "--username", "tull", "--email", "tull3@example.org"); err != nil {
		t.Errorf("user email once the role is gone: %v\n%s", err, out)
	}
}
