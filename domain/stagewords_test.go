package domain

import (
	"strings"
	"testing"
	"time"
)

// TestStageWords: a stage of the shipped policy is named by what it is and
// who decides it; any other stage by its id in quotes, with its role in
// words when there is one; never by nothing.
func TestStageWords(t *testing.T) {
	cases := []struct {
		name string
		id   string
		role Role
		want string
	}{
		{"intake", "intake", RoleHNS, "the intake review by the Swedish Armed Forces' host-nation support desk"},
		{"range safety", "range_safety", RoleRange, "the range safety review by the Swedish Armed Forces' range and training-area officer"},
		{"operations", "operations", RoleOperations, "the access decision by the Swedish Armed Forces' headquarters"},
		{"ministry", "ministry", RoleMinistry, "the Government's decision by the Ministry of Defence"},
		{"a stage of another policy", "survey", RoleRange, `stage "survey" by the Swedish Armed Forces' range and training-area officer`},
		{"a known id with another role", "ministry", RoleRange, `stage "ministry" by the Swedish Armed Forces' range and training-area officer`},
		{"a known id without its role", "intake", "", "the intake review"},
		{"only the id", "survey", "", `stage "survey"`},
		{"an id and a role that decides no stage", "survey", RoleAuditor, `stage "survey"`},
		{"a role this service does not have", "survey", "surveyor", `stage "survey"`},
		{"no id at all", "", "", `stage ""`},
	}
	for _, c := range cases {
		if got := StageWords(c.id, c.role); got != c.want {
			t.Errorf("%s: StageWords(%q, %q) = %q, want %q", c.name, c.id, c.role, got, c.want)
		}
	}
}

// TestRoleWords: every built-in approver role has words; no other role
// does (a policy's own role is named by its name: StageWords).
func TestRoleWords(t *testing.T) {
	t.Cleanup(SnapshotRoles().Restore)
	AddApproverRoles("customs_officer")
	for _, r := range AllRoles() {
		if got := RoleWords(r); (got != "") != (r.IsApprover() && BuiltinRole(r)) || strings.Contains(got, string(r)) {
			t.Errorf("RoleWords(%s) = %q", r, got)
		}
	}
}

// TestStageActiveNoticeInWords: the notice of a stage that a submission
// made active names the stage in words, not by its id or its role's code.
func TestStageActiveNoticeInWords(t *testing.T) {
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	due := t0.Add(48 * time.Hour)
	r := &Request{ID: "r1", Reference: "SE-2026-EXA-000001", Nation: "NO", Status: StatusInReview, DueAt: &due,
		Route: &Route{Stages: []Stage{{ID: "range_safety", Role: RoleRange, Order: 1, Status: StageActive, ActivatedAt: &t0, DueAt: &due}}}}
	var found bool
	for _, ev := range NotificationsFor(AuditEntry{Action: AuditRequestSubmitted, At: t0, RequestID: r.ID}, r) {
		if ev.Kind != NotifyStageActive {
			continue
		}
		found = true
		subject, body := RenderNotification(ev)
		want := "Request SE-2026-EXA-000001 is waiting for your role's decision in the range safety review by " +
			"the Swedish Armed Forces' range and training-area officer.\n"
		if !strings.HasPrefix(body, want) || strings.Contains(subject+body, "range_") {
			t.Errorf("stage.active: %q\n%s\nwant it to begin %q", subject, body, want)
		}
	}
	if !found {
		t.Fatal("no stage.active notice")
	}
}
