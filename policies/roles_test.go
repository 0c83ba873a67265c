package policies

import (
	"slices"
	"strings"
	"testing"

	"exaccess/domain"
)

// customsPolicy is basePolicy with a customs review: a stage of a role no
// server has built in, customs_officer, escalating to another new one.
var customsPolicy = basePolicy + `  - id: customs
    role: customs_officer
    order: 2
    when: "request.dangerous_goods || true"
    approvals_required: 1
    sla_working_days: 2
    reason: "goods cross the border"
    escalation: {role: coast_guard_officer, after_working_days: 1}
`

// TestPolicyAddsApproverRole: a stage may name an approver role that is not
// built in (docs/product.md, "Roles": the policy defines which approver
// roles exist). The policy loads, routes the stage to the role, names the
// role among its Roles and in its summary, and once registered the role is
// one domain knows as an approver role.
func TestPolicyAddsApproverRole(t *testing.T) {
	p := mustLoadText(t, customsPolicy)
	res, err := p.Route(plainInput())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(res.Stages, func(s domain.PlannedStage) bool { return s.ID == "customs" })
	if i < 0 {
		t.Fatalf("route %+v has no customs stage", res.Stages)
	}
	if s := res.Stages[i]; s.Role != "customs_officer" || s.Escalation == nil || s.Escalation.Role != "coast_guard_officer" {
		t.Errorf("customs stage %+v: want role customs_officer escalating to coast_guard_officer", s)
	}
	want := []domain.Role{"coast_guard_officer", "customs_officer", domain.RoleHNS, domain.RoleRange}
	if got := p.Roles(); !slices.Equal(got, want) {
		t.Errorf("Roles() = %v, want %v", got, want)
	}
	if sum := p.Summary().String(); !strings.Contains(sum, "approver roles added by this policy: coast_guard_officer, customs_officer\n") {
		t.Errorf("summary does not name the added roles:\n%s", sum)
	}
	if sum := defaultPolicy(t).Summary().String(); strings.Contains(sum, "added") {
		t.Errorf("the default policy's summary names added roles:\n%s", sum)
	}

	t.Cleanup(domain.SnapshotRoles().Restore)
	domain.AddApproverRoles(p.Roles()...)
	for _, r := range []domain.Role{"customs_officer", "coast_guard_officer"} {
		if got, ok := domain.ParseRole(string(r)); !ok || got != r || !r.IsApprover() {
			t.Errorf("after AddApproverRoles: ParseRole(%q) = %q, %v; IsApprover %v", r, got, ok, r.IsApprover())
		}
	}
}
