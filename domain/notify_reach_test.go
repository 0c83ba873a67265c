package domain

import (
	"slices"
	"testing"
	"time"
)

// TestNotificationKindsFor: the kinds a settings page offers each role,
// and each combination of roles, are those that can reach it.
func TestNotificationKindsFor(t *testing.T) {
	liaison := []string{NotifySubmitted, NotifyChangesRequested, NotifyApproved, NotifyRejected, NotifyRevoked,
		NotifyWithdrawn, NotifyRequestExpiring, NotifyAreaClosed, NotifyFrameworkLapsed}
	approver := []string{NotifyAreaClosed, NotifyFrameworkLapsed, NotifyStageActive, NotifyStageDueSoon, NotifyStageOverdue, NotifyStageEscalated,
		NotifyDelegationStarted, NotifyDelegationEnding}
	cases := []struct {
		roles []Role
		want  []string
	}{
		{[]Role{RoleLiaison}, liaison},
		{[]Role{RoleHNS}, approver},
		{[]Role{RoleRange}, approver},
		{[]Role{RoleOperations}, approver},
		{[]Role{RoleMinistry}, approver},
		{[]Role{RoleHNS, RoleMinistry}, approver},
		{[]Role{RoleAuditor}, nil},
		{[]Role{RoleAdmin}, nil},
		{[]Role{RoleAdmin, RoleAuditor}, nil},
		{[]Role{RoleAdmin, RoleOperations}, approver},
		{[]Role{RoleLiaison, RoleHNS}, NotificationKinds},
		{nil, nil},
	}
	for _, c := range cases {
		got := NotificationKindsFor(c.roles)
		want := slices.DeleteFunc(slices.Clone(NotificationKinds), func(k string) bool { return !slices.Contains(c.want, k) })
		if !slices.Equal(got, want) {
			t.Errorf("%v: %v, want %v", c.roles, got, want)
		}
	}
	for _, k := range NotificationKinds {
		if _, ok := kindAudience[k]; !ok {
			t.Errorf("the kind %s has no audience: it reaches nobody's settings", k)
		}
	}
}

// TestKindAudienceMatchesTheEvents: the audience each kind is said to
// have is the one the domain's events of that kind carry, for every kind:
// the changes of a request (NotificationsFor) and the scheduled notices
// (ScheduledNotices).
func TestKindAudienceMatchesTheEvents(t *testing.T) {
	now := sthlm(2026, 3, 3, 11, 0) // a Tuesday
	activated, due, overdue := sthlm(2026, 3, 2, 9, 0), endOf(2026, 3, 3), endOf(2026, 2, 20)
	at := now
	route := &Route{Stages: []Stage{
		{ID: "hns", Role: RoleHNS, Order: 1, Status: StageApproved, Decisions: []Decision{{Stage: "hns", By: "hns", Outcome: OutcomeApprove, At: at}}},
		{ID: "ops", Role: RoleOperations, Order: 2, Status: StageActive, ActivatedAt: &at, DueAt: &due},
	}}
	req := func(st Status) *Request {
		return &Request{ID: "r1", Reference: "SE-2026-EXA-000001", Nation: "NO", Status: st, Route: route}
	}
	var events []NotificationEvent
	for _, c := range []struct {
		action string
		status Status
	}{
		{AuditRequestSubmitted, StatusInReview}, {AuditRequestDecided, StatusChangesRequested},
		{AuditRequestDecided, StatusApproved}, {AuditRequestDecided, StatusRejected},
		{AuditRequestRevoked, StatusRevoked}, {AuditRequestWithdrawn, StatusWithdrawn},
	} {
		events = append(events, NotificationsFor(AuditEntry{Action: c.action, At: at}, req(c.status))...)
	}
	stage := func(id string, role Role, due time.Time, esc *Escalation) StageCandidate {
		return StageCandidate{RequestID: "r1", Reference: "SE-2026-EXA-000001", Status: StatusInReview,
			Stage: Stage{ID: id, Role: role, Status: StageActive, ActivatedAt: &activated, DueAt: &due, Escalation: esc}}
	}
	for _, n := range ScheduledNotices(now, ScheduleCandidates{
		Stages: []StageCandidate{stage("range", RoleRange, due, nil),
			stage("ops", RoleOperations, overdue, &Escalation{Role: RoleMinistry})},
		Expiring:    []ExpiryCandidate{{RequestID: "r2", Reference: "SE-2026-EXA-000002", Nation: "DE", Status: StatusApproved, PeriodEnd: now.AddDate(0, 0, 2)}},
		Delegations: []Delegation{{ID: "d1", From: "ops", To: "ops2", Role: RoleOperations, Starts: now.Add(-time.Hour), Ends: now.Add(12 * time.Hour)}},
	}) {
		events = append(events, n.Event)
	}
	booked := req(StatusInReview)
	booked.TrainingAreas = []AreaBooking{{Area: "ravlunda", From: day("2026-03-09"), To: day("2026-03-12")}}
	events = append(events, AreaClosedNotifications(TrainingArea{Code: "ravlunda", Name: "Ravlunda skjutfält"},
		[]time.Time{day("2026-03-10")}, booked)...)
	events = append(events, FrameworkLapsedNotifications("FA-NO-2026-01", &Framework{FrameworkTerms: FrameworkTerms{Reference: "FA-NO-2026-01"}},
		[]string{"the framework agreement is suspended"}, req(StatusInReview))...)
	seen := map[string]bool{}
	for _, ev := range events {
		seen[ev.Kind] = true
		var got audienceShape
		switch a := ev.Audience; {
		case a.Nation != "" && a.Role == "" && a.User == "":
			got = audienceNation
		case a.Role.IsApprover() && a.Nation == "" && a.User == "":
			got = audienceRole
		case a.User != "" && a.Nation == "" && a.Role == "" && ev.Reminder != nil && ev.Reminder.From != "":
			got = audienceDelegate
		}
		if kindAudience[ev.Kind] == audienceRequest && (got == audienceNation || got == audienceRole) {
			got = audienceRequest
		}
		if got == "" || kindAudience[ev.Kind] != got {
			t.Errorf("%s is addressed to %+v (%q); its kind's audience is %q", ev.Kind, ev.Audience, got, kindAudience[ev.Kind])
		}
	}
	for _, k := range NotificationKinds {
		if !seen[k] {
			t.Errorf("no event of kind %s was made: the test does not check its audience", k)
		}
	}
}
