package domain

import (
	"testing"
	"time"
)

func TestBuildRoute(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, "2026-11-23T09:00:00Z") // a Monday
	plan := RoutingResult{PolicyVersion: "v1", Stages: []PlannedStage{
		{ID: "ministry", Role: RoleMinistry, Order: 3, ApprovalsRequired: 2, SLAWorkingDays: 5},
		{ID: "intake", Role: RoleHNS, Order: 1, ApprovalsRequired: 1, SLAWorkingDays: 2},
		{ID: "range_safety", Role: RoleRange, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3},
		{ID: "operations", Role: RoleOperations, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 1},
	}}
	route, due := BuildRoute(plan, now)
	want := []struct {
		id     string
		status StageStatus
		due    string
	}{
		{"intake", StageActive, "2026-11-25"},        // Mon + 2
		{"range_safety", StagePending, "2026-11-30"}, // from Wed 25: 26, 27, 30
		{"operations", StagePending, "2026-11-26"},   // parallel with range: from Wed 25 + 1
		{"ministry", StagePending, "2026-12-07"},     // from the latest of order 2 (Mon 30) + 5
	}
	if len(route.Stages) != len(want) {
		t.Fatalf("got %d stages", len(route.Stages))
	}
	for i, w := range want {
		s := route.Stages[i]
		if s.ID != w.id || s.Status != w.status || s.DueAt.In(stockholm).Format(time.DateOnly) != w.due {
			t.Errorf("stage %d = %s %s due %s; want %s %s due %s", i, s.ID, s.Status, s.DueAt.In(stockholm), w.id, w.status, w.due)
		}
		if (s.ActivatedAt != nil) != (w.status == StageActive) {
			t.Errorf("stage %s activated_at = %v", s.ID, s.ActivatedAt)
		}
	}
	if due.In(stockholm).Format(time.DateOnly) != "2026-12-07" {
		t.Errorf("overall due = %s", due)
	}
	if route.PolicyVersion != "v1" {
		t.Error("policy version lost")
	}
}

// The warning names the latest deadline that falls after the period starts,
// and is absent when every deadline falls before the first day.
func TestDecisionAfterStartWarnings(t *testing.T) {
	now, _ := time.Parse(time.RFC3339, "2026-11-23T09:00:00Z") // a Monday
	plan := RoutingResult{Stages: []PlannedStage{
		{ID: "intake", Role: RoleHNS, Order: 1, ApprovalsRequired: 1, SLAWorkingDays: 2},            // Wed 25
		{ID: "operations", Role: RoleOperations, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3}, // Mon 30
	}}
	route, _ := BuildRoute(plan, now)
	tests := []struct {
		start string
		want  string // "" for no warning
	}{
		{"2026-12-01", ""}, // the last deadline ends Mon 30 Nov 23:59:59
		{"2026-11-30", "the decision may come after the period starts on 2026-11-30: the access decision by the Swedish Armed Forces' headquarters is due on 2026-11-30; the unit may not move before the request is approved"},
		{"2026-11-25", "the decision may come after the period starts on 2026-11-25: the access decision by the Swedish Armed Forces' headquarters is due on 2026-11-30; the unit may not move before the request is approved"},
	}
	for _, tt := range tests {
		start, _ := time.Parse(time.DateOnly, tt.start)
		ws := DecisionAfterStartWarnings(route, Period{Start: start, End: start.AddDate(0, 0, 3)})
		switch {
		case tt.want == "" && len(ws) != 0:
			t.Errorf("start %s: unexpected %+v", tt.start, ws)
		case tt.want != "" && (len(ws) != 1 || ws[0].Code != CodeDecisionAfterStart || ws[0].Message != tt.want):
			t.Errorf("start %s: got %+v\nwant %q", tt.start, ws, tt.want)
		}
	}
}
