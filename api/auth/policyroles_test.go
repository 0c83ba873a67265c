package auth

import (
	"slices"
	"testing"

	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

// TestTokenOfPolicyRole: a token's roles claim carries an approver role the
// routing policy adds, and Verify takes it. A role the account still holds
// that no policy loaded now names (the policy dropped its stage) stays out
// of the token, so that the account's other roles keep working: a token
// naming an unknown role verifies for nobody.
func TestTokenOfPolicyRole(t *testing.T) {
	t.Cleanup(domain.SnapshotRoles().Restore)
	tk := newTestTokens(t)
	u := domain.User{Username: "tull", Roles: []domain.Role{domain.RoleOperations, "customs_officer"}, Generation: 1}

	raw, err := tk.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tk.Verify(raw)
	if err != nil || !slices.Equal(p.Roles, []domain.Role{domain.RoleOperations}) {
		t.Fatalf("before the policy adds customs_officer: %+v, %v; want operations_approver alone", p.Roles, err)
	}

	domain.AddApproverRoles("customs_officer")
	raw, err = tk.Issue(u)
	if err != nil {
		t.Fatal(err)
	}
	var c Claims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil || !slices.Equal(c.Roles, []string{"operations_approver", "customs_officer"}) {
		t.Fatalf("roles claim %v, %v", c.Roles, err)
	}
	if p, err = tk.Verify(raw); err != nil || !p.HasRole("customs_officer") || !p.IsApprover() {
		t.Fatalf("Verify: %+v, %v", p, err)
	}
}
