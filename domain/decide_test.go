package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var decideNow = time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)

// reviewed builds a request in review by lo-no with the default route shape:
// intake (1), range_safety and operations (2), ministry needing 2 (3).
func reviewed() *Request {
	plan := RoutingResult{PolicyVersion: "t", Stages: []PlannedStage{
		{ID: "intake", Role: RoleHNS, Order: 1, ApprovalsRequired: 1, SLAWorkingDays: 2},
		{ID: "range_safety", Role: RoleRange, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3},
		{ID: "operations", Role: RoleOperations, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3},
		{ID: "ministry", Role: RoleMinistry, Order: 3, ApprovalsRequired: 2, SLAWorkingDays: 5},
	}}
	route, _ := BuildRoute(plan, decideNow.Add(-24*time.Hour))
	return &Request{ID: "r1", Status: StatusInReview, CreatedBy: "lo-no", Route: route}
}

func decision(stage, by, outcome string, conditions ...string) Decision {
	return Decision{Stage: stage, By: by, Outcome: outcome, Comment: "c", Conditions: conditions, At: decideNow}
}

func TestApplyDecisionJourney(t *testing.T) {
	r := reviewed()
	steps := []struct {
		d          Decision
		wantStatus Status
		active     []string
	}{
		{decision("intake", "hns", OutcomeApprove), StatusInReview, []string{"range_safety", "operations"}},
		{decision("operations", "ops", OutcomeApprove, "stay on roads"), StatusInReview, []string{"range_safety"}},
		{decision("range_safety", "range", OutcomeApprove, "no firing after 22:00", "stay on roads"), StatusInReview, []string{"ministry"}},
		{decision("ministry", "gov", OutcomeApprove), StatusInReview, []string{"ministry"}},
		{decision("ministry", "gov2", OutcomeApprove), StatusApproved, nil},
	}
	for i, st := range steps {
		got, err := ApplyDecision(r, st.d, decideNow)
		if err != nil || got != st.wantStatus {
			t.Fatalf("step %d: status %s, err %v; want %s", i, got, err, st.wantStatus)
		}
		var active []string
		for _, s := range r.Route.Stages {
			if s.Status == StageActive {
				active = append(active, s.ID)
			}
		}
		if !slices.Equal(active, st.active) {
			t.Fatalf("step %d: active stages %v, want %v", i, active, st.active)
		}
	}
	if len(r.Conditions) != 2 || r.Conditions[0] != "no firing after 22:00" || r.Conditions[1] != "stay on roads" {
		t.Errorf("conditions = %v, want the union in route order", r.Conditions)
	}
	if r.DecidedAt == nil {
		t.Error("no decided_at")
	}
	// The ministry stage was activated when order 2 finished, and its
	// deadline counts from then.
	min := r.Route.stage("ministry")
	if !min.ActivatedAt.Equal(decideNow) || !min.DueAt.Equal(AddWorkingDays(decideNow, 5)) {
		t.Errorf("ministry activated %v due %v", min.ActivatedAt, min.DueAt)
	}
}

func TestApplyDecisionEndings(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(r *Request)
		d       Decision
		want    Status
		code    string
	}{
		{"reject ends it", nil, decision("intake", "hns", OutcomeReject), StatusRejected, ""},
		{"changes go back", nil, decision("intake", "hns", OutcomeRequestChanges), StatusChangesRequested, ""},
		{"pending stage", nil, decision("ministry", "gov", OutcomeApprove), "", CodeConflict},
		{"unknown stage", nil, decision("coffee", "gov", OutcomeApprove), "", CodeInvalid},
		{"not in review", func(r *Request) { r.Status = StatusApproved }, decision("intake", "hns", OutcomeApprove), "", CodeInvalidTransition},
		{"same approver twice does not count twice", func(r *Request) {
			r.Route.Stages[0].ApprovalsRequired = 2
			r.Route.Stages[0].Decisions = []Decision{decision("intake", "hns", OutcomeApprove)}
		}, decision("intake", "hns", OutcomeApprove), StatusInReview, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := reviewed()
			if tt.prepare != nil {
				tt.prepare(r)
			}
			got, err := ApplyDecision(r, tt.d, decideNow)
			if tt.code != "" {
				if ErrorCode(err) != tt.code {
					t.Fatalf("err = %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %s, %v; want %s", got, err, tt.want)
			}
			if tt.want == StatusRejected || tt.want == StatusChangesRequested {
				for _, s := range r.Route.Stages[1:] {
					if s.Status != StageCancelled {
						t.Errorf("stage %s is %s after the request left review", s.ID, s.Status)
					}
				}
			}
			if tt.name == "same approver twice does not count twice" && r.Route.Stages[0].Status != StageActive {
				t.Error("one approver deciding twice completed a stage needing two")
			}
		})
	}
}

func TestSeparationOfDuties(t *testing.T) {
	r := reviewed()
	r.Route.Stages[0].Decisions = []Decision{{Stage: "intake", By: "hns", Outcome: OutcomeApprove}}
	r.Route.Stages[2].Decisions = []Decision{{Stage: "operations", By: "ops2", ActingFor: "ops", Outcome: OutcomeApprove}}
	tests := []struct {
		stage, actor, actingFor string
		ok                      bool
	}{
		{"range_safety", "range", "", true},
		{"range_safety", "lo-no", "", false},       // the creator
		{"range_safety", "hns", "", false},         // a second stage
		{"intake", "hns", "", false},               // twice on one stage
		{"range_safety", "x", "hns", false},        // a delegate acting for someone who decided
		{"range_safety", "ops", "", false},         // the delegator of a decision made for them
		{"range_safety", "range2", "lo-no", false}, // acting for the creator
	}
	for _, tt := range tests {
		err := CheckSeparationOfDuties(r, tt.stage, tt.actor, tt.actingFor)
		if tt.ok != (err == nil) || (!tt.ok && ErrorCode(err) != CodeSeparationOfDuties) {
			t.Errorf("%s by %s for %q: err = %v, want ok=%v", tt.stage, tt.actor, tt.actingFor, err, tt.ok)
		}
	}
}

// Separation of duties holds over every review round: the decisions of a
// round that ended in a request for changes still forbid a second stage.
func TestSeparationOfDutiesAcrossRounds(t *testing.T) {
	r := reviewed()
	r.Route.Earlier = []Decision{
		{Stage: "intake", By: "hns", Outcome: OutcomeApprove},
		{Stage: "operations", By: "ops", Outcome: OutcomeApprove},
		{Stage: "range_safety", By: "range", Outcome: OutcomeRequestChanges},
		{Stage: "ministry", By: "gov3", ActingFor: "gov", Outcome: OutcomeRequestChanges},
	}
	tests := []struct {
		name, stage, actor, actingFor string
		ok                            bool
	}{
		{"the same stage in a new round", "intake", "hns", "", true},
		{"range again on its own stage", "range_safety", "range", "", true},
		{"ops acting for range on range's stage", "range_safety", "ops", "range", false},
		{"ops on another stage", "range_safety", "ops", "", false},
		{"hns on another stage", "operations", "hns", "", false},
		{"someone acting for ops", "range_safety", "range2", "ops", false},
		{"the delegator of an earlier decision", "range_safety", "gov", "", false},
		{"the earlier delegate", "intake", "gov3", "", false},
		{"a newcomer", "operations", "ops2", "", true},
	}
	for _, tt := range tests {
		err := CheckSeparationOfDuties(r, tt.stage, tt.actor, tt.actingFor)
		if tt.ok != (err == nil) || (!tt.ok && ErrorCode(err) != CodeSeparationOfDuties) {
			t.Errorf("%s: err = %v, want ok=%v", tt.name, err, tt.ok)
		}
	}
	if err := CheckSeparationOfDuties(r, "range_safety", "ops", "range"); err == nil ||
		!strings.Contains(err.Error(), "ops decided stage operations of this request in an earlier review round") {
		t.Errorf("the refusal must say who decided which stage before: %v", err)
	}
}

// A resubmission keeps every decision of the earlier rounds.
func TestRouteHistory(t *testing.T) {
	r := reviewed()
	r.Route.Earlier = []Decision{{Stage: "intake", By: "hns"}}
	r.Route.Stages[2].Decisions = []Decision{{Stage: "operations", By: "ops"}}
	var who []string
	for _, d := range r.Route.History() {
		who = append(who, d.By)
	}
	if !slices.Equal(who, []string{"hns", "ops"}) {
		t.Errorf("history = %v", who)
	}
	if (*Route)(nil).History() != nil {
		t.Error("a request never routed has no history")
	}
}

func TestValidateDecision(t *testing.T) {
	tests := []struct {
		in     DecisionInput
		fields []string
	}{
		{DecisionInput{Stage: "intake", Outcome: OutcomeApprove}, nil},
		{DecisionInput{Stage: "intake", Outcome: OutcomeApprove, Conditions: []string{"c"}}, nil},
		{DecisionInput{Stage: "intake", Outcome: OutcomeReject}, []string{"comment"}},
		{DecisionInput{Stage: "intake", Outcome: OutcomeReject, Comment: "   "}, []string{"comment"}},
		{DecisionInput{Stage: "intake", Outcome: OutcomeReject, Comment: "no", OverrideReason: "x"}, []string{"override_reason"}},
		{DecisionInput{Stage: "intake", Outcome: OutcomeRequestChanges}, []string{"comment"}},
		{DecisionInput{Outcome: "maybe"}, []string{"stage", "outcome"}},
		{DecisionInput{Stage: "intake", Outcome: OutcomeReject, Comment: "no", Conditions: []string{"c"}}, []string{"conditions"}},
		{DecisionInput{Stage: "intake", Outcome: OutcomeApprove, Conditions: []string{""}}, []string{"conditions[0]"}},
	}
	for _, tt := range tests {
		err := ValidateDecision(tt.in)
		if tt.fields == nil {
			if err != nil {
				t.Errorf("%+v: %v", tt.in, err)
			}
			continue
		}
		e, _ := err.(*Error)
		if e == nil {
			t.Errorf("%+v: accepted", tt.in)
			continue
		}
		if len(e.Fields) != len(tt.fields) {
			t.Errorf("%+v: fields %+v, want exactly %v", tt.in, e.Fields, tt.fields)
			continue
		}
		for i, f := range tt.fields {
			if e.Fields[i].Field != f {
				t.Errorf("%+v: fields %+v, want %v", tt.in, e.Fields, tt.fields)
			}
		}
		if tt.fields[0] == "comment" && e.Fields[0].Message != "give your reasons: a rejection or a request for changes needs them" {
			t.Errorf("%+v: comment message %q, want one sentence asking for the reasons", tt.in, e.Fields[0].Message)
		}
	}
}

func TestDelegationRuns(t *testing.T) {
	d := Delegation{Starts: decideNow, Ends: decideNow.Add(time.Hour)}
	if !d.Runs(decideNow) || d.Runs(decideNow.Add(time.Hour)) || d.Runs(decideNow.Add(-time.Second)) {
		t.Error("running window wrong")
	}
	revoked := decideNow
	d.RevokedAt = &revoked
	if d.Runs(decideNow.Add(time.Minute)) {
		t.Error("a revoked delegation grants its role")
	}
}

func TestReportExpiry(t *testing.T) {
	r := &Request{Status: StatusApproved, Details: Details{Period: Period{Start: date("2026-11-01"), End: date("2026-11-23")}}}
	r.ReportExpiry(time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC)) // 23:00 on the 23rd in Stockholm: still the last day
	if r.Status != StatusApproved || r.ExpiryReported {
		t.Fatal("expired on its last day")
	}
	r.ReportExpiry(time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC)) // 00:30 on the 24th in Stockholm
	if r.Status != StatusExpired || !r.ExpiryReported {
		t.Fatal("not expired after its last day")
	}
}

// TestFinalApproval: only the approval that would approve the request is
// final — the one whose override_reason Decide uses — and asking changes
// nothing of the request asked about.
func TestFinalApproval(t *testing.T) {
	r := reviewed()
	steps := []struct {
		d     Decision
		stage string
		by    string
		final bool
	}{
		{Decision{}, "intake", "hns", false},
		{decision("intake", "hns", OutcomeApprove), "operations", "ops", false},
		{decision("operations", "ops", OutcomeApprove), "range_safety", "range", false},
		{decision("range_safety", "range", OutcomeApprove), "ministry", "gov", false}, // the first of two
		{decision("ministry", "gov", OutcomeApprove), "ministry", "gov2", true},
		{Decision{}, "ministry", "gov", false},    // a second approval by gov counts once
		{Decision{}, "operations", "ops2", false}, // not active: no approval at all
	}
	for i, st := range steps {
		if st.d.Stage != "" {
			if _, err := ApplyDecision(r, st.d, decideNow); err != nil {
				t.Fatal(err)
			}
		}
		before := len(r.Route.stage(st.stage).Decisions)
		if got := FinalApproval(r, st.stage, st.by, decideNow); got != st.final {
			t.Errorf("step %d: %s approving %s: final %v, want %v", i, st.by, st.stage, got, st.final)
		}
		if r.Status != StatusInReview || len(r.Route.stage(st.stage).Decisions) != before || r.DecidedAt != nil {
			t.Fatalf("step %d: asking changed the request", i)
		}
	}
}
