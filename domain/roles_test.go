package domain

import (
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestCheckApproverRoleName: a role a policy adds is a well-formed name and
// none of the roles that never decide stages.
func TestCheckApproverRoleName(t *testing.T) {
	tests := []struct {
		name    string
		wantErr string // "" for accepted
	}{
		{"customs_officer", ""},
		{"coast_guard2", ""},
		{"hns_officer", ""}, // built in, and an approver role
		{"cg", ""},
		{"a" + strings.Repeat("b", MaxRoleLen-1), ""},
		{"a" + strings.Repeat("b", MaxRoleLen), "is not a role name"},
		{"c", "is not a role name"},
		{"", "is not a role name"},
		{"Customs", "is not a role name"},
		{"customs-officer", "is not a role name"},
		{"customs officer", "is not a role name"},
		{"1st_officer", "is not a role name"},
		{"_customs", "is not a role name"},
		{"tullverket_å", "is not a role name"},
		{"liaison_officer", "is not an approver role"},
		{"auditor", "is not an approver role"},
		{"admin", "is not an approver role"},
	}
	for _, tt := range tests {
		err := CheckApproverRoleName(tt.name)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%q: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%q: error %v, want one saying %q", tt.name, err, tt.wantErr)
		}
	}
}

// TestAddApproverRoles: the roles a policy adds become approver roles that
// ParseRole knows, listed after the built-in ones, sorted, each once; the
// lists returned are copies; adding is safe beside readers; a role that
// never decides stages cannot be added.
func TestAddApproverRoles(t *testing.T) {
	t.Cleanup(SnapshotRoles().Restore)
	if _, ok := ParseRole("zz_patrol"); ok || Role("zz_patrol").IsApprover() {
		t.Fatal("zz_patrol is known before it is added")
	}
	var wg sync.WaitGroup
	for _, r := range []Role{"zz_patrol", "zy_customs", "zz_patrol", RoleHNS} {
		wg.Add(2)
		go func() { defer wg.Done(); AddApproverRoles(r) }()
		go func() { defer wg.Done(); _ = Role("zz_patrol").IsApprover(); _ = AllRoles() }()
	}
	wg.Wait()
	for _, r := range []Role{"zz_patrol", "zy_customs"} {
		if got, ok := ParseRole(string(r)); !ok || got != r || !r.IsApprover() {
			t.Errorf("ParseRole(%q) = %q, %v; IsApprover %v", r, got, ok, r.IsApprover())
		}
	}
	all, approvers := AllRoles(), ApproverRoles()
	if !slices.Equal(all[:len(builtinRoles)], builtinRoles) || !slices.Equal(approvers[:len(builtinApprovers)], builtinApprovers) {
		t.Errorf("the built-in roles are not listed first: %v; %v", all, approvers)
	}
	extra := all[len(builtinRoles):]
	if !slices.IsSorted(extra) || len(slices.Compact(slices.Clone(extra))) != len(extra) ||
		!slices.Equal(extra, approvers[len(builtinApprovers):]) {
		t.Errorf("added roles %v, approvers %v: want the same sorted list, each once", extra, approvers)
	}
	if i, j := slices.Index(all, "zy_customs"), slices.Index(all, "zz_patrol"); i < 0 || j != i+1 {
		t.Errorf("AllRoles() = %v: want zy_customs right before zz_patrol", all)
	}
	all[0], approvers[0] = "changed", "changed"
	if AllRoles()[0] != RoleLiaison || ApproverRoles()[0] != RoleHNS {
		t.Error("changing a returned list changed the known roles")
	}
	before := SnapshotRoles()
	AddApproverRoles("zx_pilot")
	before.Restore()
	if Role("zx_pilot").IsApprover() || !Role("zz_patrol").IsApprover() {
		t.Error("Restore did not put back the roles of the snapshot")
	}
	for _, r := range []Role{RoleAdmin, RoleAuditor, RoleLiaison, "Not-A-Role"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddApproverRoles(%q) did not panic", r)
				}
			}()
			AddApproverRoles(r)
		}()
		if r.IsApprover() {
			t.Errorf("%q became an approver role", r)
		}
	}
}

// TestValidateUserPolicyRole: an account may be given a role the policy
// added, as any approver role (not beside liaison_officer or admin); a role
// neither built in nor added is refused with the roles that exist.
func TestValidateUserPolicyRole(t *testing.T) {
	t.Cleanup(SnapshotRoles().Restore)
	AddApproverRoles("customs_officer")
	tests := []struct {
		name    string
		roles   []Role
		wantErr string
	}{
		{"policy role", []Role{"customs_officer"}, ""},
		{"policy role beside a built-in one", []Role{RoleOperations, "customs_officer"}, ""},
		{"policy role beside admin", []Role{RoleAdmin, "customs_officer"}, "an administrator holds no other role"},
		{"unknown role", []Role{"never_added_role"}, `unknown role "never_added_role" (one of liaison_officer, hns_officer, range_officer, operations_approver, ministry, auditor, admin, `},
	}
	for _, tt := range tests {
		err := ValidateUser(User{Username: "u1", Roles: tt.roles}, nil)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(errorText(err), tt.wantErr)):
			t.Errorf("%s: error %s, want one saying %q", tt.name, errorText(err), tt.wantErr)
		}
	}
}

func errorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	var b strings.Builder
	b.WriteString(err.Error())
	if de, ok := err.(*Error); ok {
		for _, f := range de.Fields {
			b.WriteString("; " + f.Field + ": " + f.Message)
		}
	}
	return b.String()
}
