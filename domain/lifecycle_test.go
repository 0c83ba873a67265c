package domain

import "testing"

func TestTransition(t *testing.T) {
	tests := []struct {
		from   Status
		action Action
		want   Status // "" means illegal
	}{
		{StatusDraft, ActionSubmit, StatusInReview},
		{StatusDraft, ActionWithdraw, StatusWithdrawn},
		{StatusDraft, ActionResubmit, ""},
		{StatusDraft, ActionApprove, ""},
		{StatusDraft, ActionRevoke, ""},
		{StatusInReview, ActionApprove, StatusApproved},
		{StatusInReview, ActionReject, StatusRejected},
		{StatusInReview, ActionRequestChanges, StatusChangesRequested},
		{StatusInReview, ActionWithdraw, StatusWithdrawn},
		{StatusInReview, ActionSubmit, ""},
		{StatusInReview, ActionRevoke, ""},
		{StatusChangesRequested, ActionResubmit, StatusInReview},
		{StatusChangesRequested, ActionSubmit, ""},
		{StatusChangesRequested, ActionWithdraw, StatusWithdrawn},
		{StatusChangesRequested, ActionApprove, ""},
		{StatusApproved, ActionRevoke, StatusRevoked},
		{StatusApproved, ActionExpire, StatusExpired},
		{StatusApproved, ActionWithdraw, ""},
		{StatusApproved, ActionSubmit, ""},
		{StatusRejected, ActionResubmit, ""},
		{StatusWithdrawn, ActionSubmit, ""},
		{StatusRevoked, ActionApprove, ""},
		{StatusExpired, ActionRevoke, ""},
		{StatusDraft, Action("teleport"), ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.from)+"/"+string(tt.action), func(t *testing.T) {
			got, err := Transition(tt.from, tt.action)
			if tt.want == "" {
				if ErrorCode(err) != CodeInvalidTransition {
					t.Fatalf("Transition(%s, %s) = %q, %v; want invalid_transition", tt.from, tt.action, got, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Transition(%s, %s) = %q, %v; want %q", tt.from, tt.action, got, err, tt.want)
			}
		})
	}
}

func TestTerminalStatusesHaveNoWayOut(t *testing.T) {
	for _, s := range AllStatuses {
		leaves := false
		for a := range transitions {
			if _, err := Transition(s, a); err == nil {
				leaves = true
			}
		}
		if s.Terminal() == leaves {
			t.Errorf("status %s: terminal=%v but has an outgoing transition=%v", s, s.Terminal(), leaves)
		}
	}
}

func TestSubmitAction(t *testing.T) {
	if SubmitAction(StatusDraft) != ActionSubmit || SubmitAction(StatusChangesRequested) != ActionResubmit {
		t.Fatal("SubmitAction picks the wrong action")
	}
}
