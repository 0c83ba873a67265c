package domain

import (
	"testing"
	"time"
)

// TestActionRefusals: the checks a page runs before asking to confirm are
// the actions' own. A withdrawal needs a status that allows it; a
// revocation an approved permit whose period has not ended; a
// delegation's revocation one neither revoked nor ended; a webhook's one
// still active; a personal webhook a role some notification reaches.
func TestActionRefusals(t *testing.T) {
	now := time.Date(2027, 3, 21, 9, 0, 0, 0, time.UTC)
	period := Period{Start: time.Date(2027, 3, 2, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 25, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		status           Status
		withdraw, revoke string // error codes, "" when allowed
	}{
		{StatusDraft, "", CodeInvalidTransition},
		{StatusInReview, "", CodeInvalidTransition},
		{StatusApproved, CodeInvalidTransition, ""},
		{StatusRevoked, CodeInvalidTransition, CodeInvalidTransition},
		{StatusWithdrawn, CodeInvalidTransition, CodeInvalidTransition},
	} {
		r := &Request{Status: c.status}
		r.Period = period
		if got := codeOf(WithdrawRefusal(r)); got != c.withdraw {
			t.Errorf("withdraw %s: %q, want %q", c.status, got, c.withdraw)
		}
		if got := codeOf(RevokeRefusal(r, now)); got != c.revoke {
			t.Errorf("revoke %s: %q, want %q", c.status, got, c.revoke)
		}
	}
	ended := &Request{Status: StatusApproved}
	ended.Period = Period{Start: period.Start, End: time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC)}
	if err := RevokeRefusal(ended, now); ErrorCode(err) != CodeInvalidTransition {
		t.Errorf("revoking an approved permit whose period has ended: %v", err)
	}

	if err := CheckWithdrawReason(""); err != nil {
		t.Errorf("a withdrawal without a reason: %v", err)
	}
	for _, reason := range []string{"", "  ", "bell\a", "bidi \u202e"} {
		if err := CheckRevokeReason(reason); ErrorCode(err) != CodeInvalid {
			t.Errorf("revocation reason %q: %v", reason, err)
		}
	}
	if err := CheckWithdrawReason("nul\x00"); ErrorCode(err) != CodeInvalid {
		t.Errorf("a withdrawal reason with NUL: %v", err)
	}

	d := Delegation{Starts: now.Add(-48 * time.Hour), Ends: now.Add(time.Hour)}
	if err := DelegationRevokeRefusal(d, now); err != nil {
		t.Errorf("a running delegation: %v", err)
	}
	if err := DelegationRevokeRefusal(d, d.Ends); ErrorCode(err) != CodeConflict {
		t.Errorf("an ended delegation: %v", err)
	}
	d.RevokedAt = &now
	if err := DelegationRevokeRefusal(d, now); ErrorCode(err) != CodeConflict {
		t.Errorf("a revoked delegation: %v", err)
	}

	if err := WebhookRevokeRefusal(Webhook{}); err != nil {
		t.Errorf("an active webhook: %v", err)
	}
	if err := WebhookRevokeRefusal(Webhook{RevokedAt: &now}); ErrorCode(err) != CodeConflict {
		t.Errorf("a revoked webhook: %v", err)
	}
	for _, roles := range [][]Role{{RoleLiaison}, {RoleHNS}, {RoleAdmin, RoleOperations}} {
		if err := PersonalWebhookRefusal(roles); err != nil {
			t.Errorf("%v: %v", roles, err)
		}
	}
	for _, roles := range [][]Role{{RoleAdmin}, {RoleAuditor}, {RoleAdmin, RoleAuditor}, nil} {
		if err := PersonalWebhookRefusal(roles); ErrorCode(err) != CodeForbidden {
			t.Errorf("%v: %v", roles, err)
		}
	}
}

// codeOf is err's code, "" for nil.
func codeOf(err error) string {
	if err == nil {
		return ""
	}
	return ErrorCode(err)
}
