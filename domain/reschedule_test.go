package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// at is a Stockholm wall-clock time, "2027-03-10 10:00".
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, stockholm)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

// dueOn is the end of a Stockholm day, as deadlines fall.
func dueOn(t *testing.T, day string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation("2006-01-02", day, stockholm)
	if err != nil {
		t.Fatal(err)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, stockholm).UTC()
}

// submittedOn builds a request in review, submitted at the Stockholm time
// submitted with the stages of plan, as Submit does.
func submittedOn(t *testing.T, submitted string, stages ...PlannedStage) *Request {
	t.Helper()
	route, due := BuildRoute(RoutingResult{PolicyVersion: "t", Stages: stages}, at(t, submitted))
	return &Request{ID: "r1", Status: StatusInReview, CreatedBy: "lo-no", Route: route, DueAt: due}
}

var (
	intake2     = PlannedStage{ID: "intake", Role: RoleHNS, Order: 1, ApprovalsRequired: 1, SLAWorkingDays: 2}
	range3      = PlannedStage{ID: "range_safety", Role: RoleRange, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3}
	range5      = PlannedStage{ID: "range_safety", Role: RoleRange, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 5}
	operations3 = PlannedStage{ID: "operations", Role: RoleOperations, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3}
	ministry5   = PlannedStage{ID: "ministry", Role: RoleMinistry, Order: 3, ApprovalsRequired: 2, SLAWorkingDays: 5}
)

// TestRequestDueAtFollowsTheRoute: a request's due_at is the latest due date
// of the stages it still has to pass — the binding deadline of an active
// stage, the estimate of a waiting one — as the route moves on, not the
// submission's projection kept for good; when the review ends it keeps the
// deadline it was under. Every request is submitted on Monday 2027-03-01.
func TestRequestDueAtFollowsTheRoute(t *testing.T) {
	type step struct {
		stage, by, outcome, at string
		want                   Status
		due                    string // the request's due date after the step (Stockholm)
	}
	tests := []struct {
		name   string
		stages []PlannedStage
		due    string // at submission
		steps  []step
	}{
		{"a late decision moves the final stage, and the request, later", []PlannedStage{intake2, operations3}, "2027-03-08", []step{
			{"intake", "hns", OutcomeApprove, "2027-03-10 10:00", StatusInReview, "2027-03-15"},
			{"operations", "ops", OutcomeApprove, "2027-03-11 10:00", StatusApproved, "2027-03-15"},
		}},
		{"an early decision moves the final stage, and the request, earlier", []PlannedStage{intake2, operations3}, "2027-03-08", []step{
			{"intake", "hns", OutcomeApprove, "2027-03-01 14:00", StatusInReview, "2027-03-04"},
		}},
		{"a waiting stage's estimate counts until it starts", []PlannedStage{intake2, range3, operations3, ministry5}, "2027-03-15", []step{
			// range and operations are due 2027-03-05; ministry is now
			// expected by 2027-03-12, five working days after them.
			{"intake", "hns", OutcomeApprove, "2027-03-02 10:00", StatusInReview, "2027-03-12"},
			{"operations", "ops", OutcomeApprove, "2027-03-03 10:00", StatusInReview, "2027-03-12"},
			// the final stage starts: its binding deadline, five working days on
			{"range_safety", "range", OutcomeApprove, "2027-03-04 10:00", StatusInReview, "2027-03-11"},
			{"ministry", "gov", OutcomeApprove, "2027-03-05 10:00", StatusInReview, "2027-03-11"},
			{"ministry", "gov2", OutcomeApprove, "2027-03-08 10:00", StatusApproved, "2027-03-11"},
		}},
		{"a stage started late moves the waiting stage's estimate, and the request, later", []PlannedStage{intake2, range3, operations3, ministry5}, "2027-03-15", []step{
			// range and operations are due 2027-03-22, ministry expected
			// five working days after them (Good Friday and Easter Monday
			// are not working days)
			{"intake", "hns", OutcomeApprove, "2027-03-17 10:00", StatusInReview, "2027-03-31"},
		}},
		{"parallel stages: the one decided first no longer counts", []PlannedStage{intake2, range5, operations3}, "2027-03-10", []step{
			{"intake", "hns", OutcomeApprove, "2027-03-01 14:00", StatusInReview, "2027-03-08"},
			{"range_safety", "range", OutcomeApprove, "2027-03-02 10:00", StatusInReview, "2027-03-04"},
			{"operations", "ops", OutcomeApprove, "2027-03-03 10:00", StatusApproved, "2027-03-04"},
		}},
		{"one approval of two leaves the deadline", []PlannedStage{intake2, ministry5}, "2027-03-10", []step{
			{"intake", "hns", OutcomeApprove, "2027-03-04 10:00", StatusInReview, "2027-03-11"},
			{"ministry", "gov", OutcomeApprove, "2027-03-05 10:00", StatusInReview, "2027-03-11"},
		}},
		{"a rejection keeps the deadline it came under", []PlannedStage{intake2, operations3}, "2027-03-08", []step{
			{"intake", "hns", OutcomeApprove, "2027-03-10 10:00", StatusInReview, "2027-03-15"},
			{"operations", "ops", OutcomeReject, "2027-03-11 10:00", StatusRejected, "2027-03-15"},
		}},
		{"a request for changes keeps the deadline it came under", []PlannedStage{intake2, range3, operations3, ministry5}, "2027-03-15", []step{
			{"intake", "hns", OutcomeApprove, "2027-03-17 10:00", StatusInReview, "2027-03-31"},
			{"range_safety", "range", OutcomeRequestChanges, "2027-03-18 10:00", StatusChangesRequested, "2027-03-31"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := submittedOn(t, "2027-03-01 10:00", tt.stages...)
			if r.DueAt == nil || !r.DueAt.Equal(dueOn(t, tt.due)) {
				t.Fatalf("due at submission %v, want %s", r.DueAt, tt.due)
			}
			for i, st := range tt.steps {
				now := at(t, st.at)
				d := Decision{Stage: st.stage, By: st.by, Outcome: st.outcome, Comment: "c", At: now}
				got, err := ApplyDecision(r, d, now)
				if err != nil || got != st.want {
					t.Fatalf("step %d (%s %s): %s, %v; want %s", i, st.stage, st.outcome, got, err, st.want)
				}
				if r.DueAt == nil || !r.DueAt.Equal(dueOn(t, st.due)) {
					t.Errorf("step %d (%s %s): due %v, want the end of %s", i, st.stage, st.outcome, r.DueAt, st.due)
				}
				if r.Status != StatusInReview {
					continue
				}
				// In review, the request is never due before a stage it
				// still has to pass, nor later than the last of them.
				var latest time.Time
				for _, s := range r.Route.Stages {
					if (s.Status == StageActive || s.Status == StagePending) && s.DueAt.After(latest) {
						latest = *s.DueAt
					}
				}
				if !r.DueAt.Equal(latest) {
					t.Errorf("step %d: due %v, the stages still to decide %v", i, r.DueAt, latest)
				}
			}
		})
	}
}

// TestWaitingStagesReEstimated: when an order of stages starts, the
// stages still waiting after it are estimated again from its deadlines,
// as at submission (each order from the latest due date of the order
// before it): later after a late start, earlier after an early one, the
// same after one on time (Good Friday 2027-03-26 and Easter Monday
// 2027-03-29 are not working days). With no order waiting, only the stages started
// change; nor does an order that has not finished move anything. Every
// request is submitted on Monday 2027-03-01, when intake is due 03-03.
func TestWaitingStagesReEstimated(t *testing.T) {
	type approval struct{ stage, by, at string }
	tests := []struct {
		name      string
		stages    []PlannedStage
		approvals []approval
		want      map[string]string // each stage's due date after them (Stockholm)
	}{
		{"a late start moves the waiting estimates later", []PlannedStage{intake2, range3, operations3, ministry5},
			[]approval{{"intake", "hns", "2027-03-17 10:00"}},
			map[string]string{"intake": "2027-03-03", "range_safety": "2027-03-22", "operations": "2027-03-22", "ministry": "2027-03-31"}},
		{"from the latest deadline of the order before", []PlannedStage{intake2, range5, operations3, ministry5},
			[]approval{{"intake", "hns", "2027-03-17 10:00"}},
			map[string]string{"intake": "2027-03-03", "range_safety": "2027-03-24", "operations": "2027-03-22", "ministry": "2027-04-02"}},
		{"an early start moves them earlier", []PlannedStage{intake2, range3, operations3, ministry5},
			[]approval{{"intake", "hns", "2027-03-01 14:00"}},
			map[string]string{"intake": "2027-03-03", "range_safety": "2027-03-04", "operations": "2027-03-04", "ministry": "2027-03-11"}},
		{"a start on time keeps them", []PlannedStage{intake2, range3, operations3, ministry5},
			[]approval{{"intake", "hns", "2027-03-03 16:00"}},
			map[string]string{"intake": "2027-03-03", "range_safety": "2027-03-08", "operations": "2027-03-08", "ministry": "2027-03-15"}},
		{"an order half done moves nothing", []PlannedStage{intake2, range3, operations3, ministry5},
			[]approval{{"intake", "hns", "2027-03-01 14:00"}, {"operations", "ops", "2027-03-10 10:00"}},
			map[string]string{"intake": "2027-03-03", "range_safety": "2027-03-04", "operations": "2027-03-04", "ministry": "2027-03-11"}},
		{"the last order starting is all that changes", []PlannedStage{intake2, range3, operations3, ministry5},
			[]approval{{"intake", "hns", "2027-03-01 14:00"}, {"operations", "ops", "2027-03-02 10:00"}, {"range_safety", "range", "2027-03-10 10:00"}},
			map[string]string{"intake": "2027-03-03", "range_safety": "2027-03-04", "operations": "2027-03-04", "ministry": "2027-03-17"}},
		{"no order waiting: only the stage started changes", []PlannedStage{intake2, operations3},
			[]approval{{"intake", "hns", "2027-03-17 10:00"}},
			map[string]string{"intake": "2027-03-03", "operations": "2027-03-22"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := submittedOn(t, "2027-03-01 10:00", tt.stages...)
			for _, a := range tt.approvals {
				now := at(t, a.at)
				if _, err := ApplyDecision(r, Decision{Stage: a.stage, By: a.by, Outcome: OutcomeApprove, At: now}, now); err != nil {
					t.Fatal(err)
				}
			}
			for _, s := range r.Route.Stages {
				if s.DueAt == nil || !s.DueAt.Equal(dueOn(t, tt.want[s.ID])) {
					t.Errorf("%s (%s): due %v, want the end of %s", s.ID, s.Status, s.DueAt, tt.want[s.ID])
				}
			}
			// the request's due date is the latest of them
			if want := r.Route.Deadline(); r.DueAt == nil || !r.DueAt.Equal(*want) {
				t.Errorf("request due %v, want %v", r.DueAt, want)
			}
		})
	}
}

// TestDecisionAfterStartFollowsTheRoute: the decision_after_start warning
// is made again when the route moves on: a late decision that pushes a
// stage past the period's start gives it, an early one that brings every
// stage still to decide before the start takes it away, and a move that
// keeps a stage after the start names its new date. The request's other
// warnings stay as they were, in their place; the end of the review leaves
// the warnings as they were. Submitted on Monday 2027-03-01, intake (2
// working days) then operations (3).
func TestDecisionAfterStartFollowsTheRoute(t *testing.T) {
	other := []Warning{{Code: CodeMovementMode, Message: "m"}}
	tests := []struct {
		name     string
		start    string // the period's first day
		intake   string // when intake is approved
		atSubmit string // the warning's date at submission, "" none
		after    string // after intake, "" none
	}{
		{"a late decision warns", "2027-03-10", "2027-03-05 10:00", "", "2027-03-10"},
		{"an early decision takes the warning away", "2027-03-08", "2027-03-01 14:00", "2027-03-08", ""},
		{"a deadline that moves names its new date", "2027-03-05", "2027-03-04 10:00", "2027-03-08", "2027-03-09"},
		{"no warning either way", "2027-03-20", "2027-03-04 10:00", "", ""},
	}
	warning := func(r *Request) (string, []string) {
		var date string
		var codes []string
		for _, w := range r.Warnings {
			codes = append(codes, w.Code)
			if w.Code == CodeDecisionAfterStart {
				date = w.Message[strings.LastIndex(w.Message, "due on ")+len("due on "):][:10]
				if !strings.Contains(w.Message, "the access decision") {
					t.Errorf("the warning does not name operations: %q", w.Message)
				}
			}
		}
		return date, codes
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := submittedOn(t, "2027-03-01 10:00", intake2, operations3)
			start, _ := time.Parse("2006-01-02", tt.start)
			r.Period = Period{Start: start, End: start.AddDate(0, 0, 10)}
			// as Submit orders them: the decision warning before the movement ones
			r.Warnings = append(DecisionAfterStartWarnings(r.Route, r.Period), other...)
			if got, _ := warning(r); got != tt.atSubmit {
				t.Fatalf("at submission the warning names %q, want %q", got, tt.atSubmit)
			}
			now := at(t, tt.intake)
			if _, err := ApplyDecision(r, Decision{Stage: "intake", By: "hns", Outcome: OutcomeApprove, At: now}, now); err != nil {
				t.Fatal(err)
			}
			got, codes := warning(r)
			if got != tt.after {
				t.Errorf("after intake the warning names %q, want %q (%v)", got, tt.after, r.Warnings)
			}
			want := []string{CodeMovementMode}
			if tt.after != "" {
				want = []string{CodeMovementMode, CodeDecisionAfterStart}
				if tt.atSubmit != "" {
					want = []string{CodeDecisionAfterStart, CodeMovementMode}
				}
			}
			if !slices.Equal(codes, want) {
				t.Errorf("warnings %v, want %v", codes, want)
			}
			kept := slices.Clone(r.Warnings)
			now = now.Add(time.Hour)
			if st, err := ApplyDecision(r, Decision{Stage: "operations", By: "ops", Outcome: OutcomeApprove, At: now}, now); err != nil || st != StatusApproved {
				t.Fatal(st, err)
			}
			if !slices.Equal(r.Warnings, kept) {
				t.Errorf("approval changed the warnings: %v, were %v", r.Warnings, kept)
			}
		})
	}
}
