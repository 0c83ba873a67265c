package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/apptest"
	"exaccess/policies"
)

// customsPolicyDir writes the default policy with a customs stage, decided
// by customs_officer (a role the server has not built in), into a new
// directory and returns it.
func customsPolicyDir(t *testing.T) string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join("..", "..", "policies", "default", policies.FileName))
	if err != nil {
		t.Fatal(err)
	}
	changed := strings.Replace(string(text), "stages:\n", apptest.CustomsStage, 1)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, policies.FileName), []byte(changed), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestPolicyRoleOnTheCommandLine: `policy check` names the approver roles a
// policy adds; the user commands take such a role with --policies (or
// EXACCESS_POLICIES) naming the policy, and without it refuse it with the
// roles that exist; --idp-roles may name it once the policy is loaded.
func TestPolicyRoleOnTheCommandLine(t *testing.T) {
	builtin := domain.SnapshotRoles()
	t.Cleanup(builtin.Restore)
	ctx := context.Background()
	dir := customsPolicyDir(t)

	var out bytes.Buffer
	if err := run(ctx, []string{"policy", "check", dir}, env(nil), nil, &out, io.Discard); err != nil ||
		!strings.Contains(out.String(), "approver roles added by this policy: customs_officer") {
		t.Fatalf("policy check: %v\n%s", err, out.String())
	}
	builtin.Restore() // as a new process: only the built-in roles are known

	db := filepath.Join(t.TempDir(), "accounts.db")
	if err := run(ctx, []string{"migrate", "--db", db}, env(nil), nil, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	user := func(vars map[string]string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(append([]string{"user"}, args...), "--db", db), env(vars), strings.NewReader("a long enough password\n"), &out, io.Discard)
		return out.String(), err
	}
	_, err := user(nil, "add", "--username", "tull", "--role", "customs_officer")
	if err == nil || !strings.Contains(err.Error(), `--role "customs_officer": unknown role "customs_officer" (one of liaison_officer, hns_officer,`) ||
		!strings.Contains(err.Error(), "a role of your own policy needs --policies DIR") {
		t.Fatalf("user add of a role of no policy loaded: %v", err)
	}
	if _, err := user(nil, "add", "--username", "tull", "--role", "customs_officer", "--policies", dir); err != nil {
		t.Fatalf("user add --policies: %v", err)
	}
	if out, err := user(map[string]string{"EXACCESS_POLICIES": dir}, "list", "--role", "customs_officer"); err != nil || !strings.Contains(out, "tull") {
		t.Fatalf("user list --role customs_officer: %v\n%s", err, out)
	}
	if _, err := user(nil, "roles", "--username", "tull", "--role", "coast_guard", "--reason", "moved", "--policies", dir); err == nil ||
		!strings.Contains(err.Error(), `unknown role "coast_guard" (one of `) || !strings.Contains(err.Error(), "customs_officer") {
		t.Fatalf("user roles with a role the policy does not name: %v", err)
	}

	s := defaultSecurity()
	s.JWKSURL, s.IdPIssuer, s.IdPAudience = "https://idp.example.org/certs", "https://idp.example.org", "exaccess"
	s.IdPRoles = "hns_officer,customs_officer,coast_guard"
	if errs := s.validate("exaccess"); len(errs) != 0 {
		t.Errorf("well-formed --idp-roles refused before the policy is loaded: %v", errs)
	}
	if err := s.knownIdPRoles(); err == nil || !strings.Contains(err.Error(), `--idp-roles: unknown role "coast_guard"`) {
		t.Errorf("--idp-roles naming a role of no policy: %v", err)
	}
	s.IdPRoles = "hns_officer,customs_officer"
	if err := s.knownIdPRoles(); err != nil {
		t.Errorf("--idp-roles naming the policy's role: %v", err)
	}
}
