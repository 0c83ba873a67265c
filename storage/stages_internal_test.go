package storage

import (
	"testing"
	"time"

	"exaccess/domain"
)

// TestAppendedFlipsOnlyOnResubmission: what writeStages writes of the
// decision rows. A decision adds its row and moves no other one (no UPDATE
// of request_decisions); a resubmission adds none and moves the current
// round's rows to the earlier ones (one UPDATE); a decision of the new round
// adds its row and moves none.
func TestAppendedFlipsOnlyOnResubmission(t *testing.T) {
	at := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	route := func() *domain.Route {
		return &domain.Route{PolicyVersion: "t", Stages: []domain.Stage{
			{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at},
			{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1}}}
	}
	r := &domain.Request{ID: "r1", Status: domain.StatusInReview, Route: route()}
	rows := func() []decisionRow { _, d := newStageRows(r); return d }
	step := func(name string, change func(), wantAdded, wantFlipped int) {
		t.Helper()
		before := rows()
		change()
		added, flipped, ok := appended(before, rows())
		if !ok || len(added) != wantAdded || len(flipped) != wantFlipped {
			t.Fatalf("%s: %d added, %d flipped, %v; want %d, %d", name, len(added), len(flipped), ok, wantAdded, wantFlipped)
		}
		for _, d := range flipped {
			if !d.Earlier {
				t.Errorf("%s: %s flipped to the current round", name, d.ID)
			}
		}
	}
	step("decision", func() {
		if _, err := domain.ApplyDecision(r, domain.Decision{ID: "d1", Stage: "intake", By: "hns",
			Outcome: domain.OutcomeRequestChanges, At: at.Add(time.Minute)}, at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}, 1, 0)
	step("resubmission", func() {
		history := r.Route.History()
		r.Status, r.Route = domain.StatusInReview, route()
		r.Route.Earlier = history
	}, 0, 1)
	step("decision of the new round", func() {
		if _, err := domain.ApplyDecision(r, domain.Decision{ID: "d2", Stage: "intake", By: "hns",
			Outcome: domain.OutcomeApprove, At: at.Add(time.Hour)}, at.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}, 1, 0)
}
