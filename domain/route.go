package domain

import (
	"fmt"
	"time"
)

// StageStatus is the state of one review stage.
type StageStatus string

// Stage statuses. A route's first order of stages is active at submission;
// later orders are pending until every stage before them is approved.
const (
	StagePending          StageStatus = "pending"
	StageActive           StageStatus = "active"
	StageApproved         StageStatus = "approved"
	StageRejected         StageStatus = "rejected"
	StageChangesRequested StageStatus = "changes_requested"
	StageCancelled        StageStatus = "cancelled" // the request left review before this stage finished
)

// Route is the ordered list of stages a submitted request must pass, with the
// policy version that computed it and the reasons each stage applies.
type Route struct {
	PolicyVersion string
	FastTrack     bool
	Stages        []Stage
	Reasons       []string
	// Earlier are the decisions of the request's earlier review rounds
	// (before a resubmission), oldest first. They no longer count towards
	// any stage, but separation of duties holds over the request's whole
	// life: nobody who decided one stage decides another in a later round.
	Earlier []Decision
}

// Decisions are every decision of the route's current stages, in route order.
func (rt *Route) Decisions() []Decision {
	var out []Decision
	for _, s := range rt.Stages {
		out = append(out, s.Decisions...)
	}
	return out
}

// History is every decision of the request's life: the earlier rounds',
// then the current route's. It is nil for a request never routed.
func (rt *Route) History() []Decision {
	if rt == nil {
		return nil
	}
	return append(append([]Decision(nil), rt.Earlier...), rt.Decisions()...)
}

// Stage is one review step.
type Stage struct {
	ID                string
	Role              Role
	Order             int
	Status            StageStatus
	ApprovalsRequired int
	SLAWorkingDays    int
	Reason            string
	ActivatedAt       *time.Time
	DueAt             *time.Time
	Decisions         []Decision
	// Escalation, from the policy, is who hears when the stage stays
	// overdue (nil: nobody beyond the stage's own role).
	Escalation *Escalation
}

// Escalation names the approver role that supervises a stage: its holders
// are told when the stage is still undecided AfterWorkingDays Swedish
// working days after its deadline (0: as soon as it is overdue).
type Escalation struct {
	Role             Role
	AfterWorkingDays int
}

// MaxEscalationWorkingDays bounds Escalation.AfterWorkingDays, so that an
// escalation falls inside the window the scheduler looks back over
// (ScheduleLookback).
const MaxEscalationWorkingDays = 5

// Decision is one approver's outcome on one stage.
type Decision struct {
	ID         string
	Stage      string
	By         string
	ActingFor  string
	Outcome    string
	Comment    string
	Conditions []string
	At         time.Time
}

// RoutingInput is what the routing policy sees of a request.
type RoutingInput struct {
	Nation    Nation     // the requesting nation, with membership intervals
	Details   Details    // the request as filled in
	Framework *Framework // the agreement named by Details.FrameworkID, if any
	Today     time.Time
}

// PlannedStage is a stage the policy says a request needs.
type PlannedStage struct {
	ID                string
	Role              Role
	Order             int
	ApprovalsRequired int
	SLAWorkingDays    int
	Reason            string
	Escalation        *Escalation // nil: none
}

// RuleResult is the outcome of one eligibility rule, with the rule's id so a
// refusal can be traced to the policy line that produced it.
type RuleResult struct {
	Rule   string
	Passed bool
	Reason string
}

// RoutingResult is the policy's answer for one request: whether it may be
// submitted, and the stages it must pass.
type RoutingResult struct {
	PolicyVersion string
	Eligible      bool
	Eligibility   []RuleResult
	FastTrack     bool
	Stages        []PlannedStage
	Reasons       []string
	Warnings      []Warning
}

// Refusals are the reasons of the failed eligibility rules.
func (r RoutingResult) Refusals() []string {
	var out []string
	for _, e := range r.Eligibility {
		if !e.Passed {
			out = append(out, e.Reason)
		}
	}
	return out
}

// Router is the routing policy port: given a request, its route. It is
// implemented by the policies package; it must not store anything. A
// condition that cannot be evaluated for the request is a PolicyFailure.
type Router interface {
	Route(in RoutingInput) (RoutingResult, error)
	Version() string
}

// CodePolicyError: the routing policy could not decide on the request,
// because the condition of one of its rules could not be evaluated for it
// (422). The request is neither refused nor routed, and nothing is stored;
// the policy needs correcting, and the log says where.
const CodePolicyError = "policy_error"

// PolicyFailure is the error of a policy (version) whose rule could not be
// evaluated for a request. rule names it as the policy does (`stage
// "range_safety"`, `eligibility rule "member_state"`, `fast_track`): rule
// and stage ids are shown to every caller of the dry run anyway. why is
// the policy package's own word for what happened ("it exceeded its cost
// limit"), or "". cause, with the policy file, the condition's text and
// CEL's error, goes to the log only: a condition is not shown to callers
// (docs/policies.md: the ids and reasons are), and CEL's messages may
// quote parts of it.
func PolicyFailure(version, rule, why string, cause error) *Error {
	msg := "the routing policy " + version + " could not decide on this request: the condition of " + rule +
		" could not be evaluated"
	if why != "" {
		msg += " (" + why + ")"
	}
	return &Error{Code: CodePolicyError, Message: msg, Cause: cause}
}

// BuildRoute turns the policy's plan into a route activated at now: stages of
// the lowest order are active, the rest pending. Each stage's due date is
// projected in Swedish working days (Route.project): the first order from
// now, each later order from the latest due date of the order before it. It
// returns the route and its overall deadline (Route.Deadline: at
// submission, the latest due date of all its stages).
func BuildRoute(plan RoutingResult, now time.Time) (*Route, *time.Time) {
	route := &Route{PolicyVersion: plan.PolicyVersion, FastTrack: plan.FastTrack, Reasons: plan.Reasons}
	if len(plan.Stages) == 0 {
		return route, nil
	}
	first := plan.Stages[0].Order
	for _, s := range plan.Stages {
		first = min(first, s.Order)
	}
	for _, s := range sortedByOrder(plan.Stages) {
		st := Stage{ID: s.ID, Role: s.Role, Order: s.Order, Status: StagePending,
			ApprovalsRequired: s.ApprovalsRequired, SLAWorkingDays: s.SLAWorkingDays, Reason: s.Reason,
			Escalation: s.Escalation.clone()}
		if s.Order == first {
			activated := now
			st.Status, st.ActivatedAt = StageActive, &activated
		}
		route.Stages = append(route.Stages, st)
	}
	route.project(first, now)
	return route, route.Deadline()
}

// project sets the due dates of the route's stages of order from and every
// later order, each its SLA in Swedish working days: order from counted
// from start, each later order from the latest due date of the order before
// it, as if each stage took its full time. For order from, starting at
// start, that is the binding deadline; for a later one, still waiting, it
// is an estimate. It is the one rule of both: BuildRoute projects the whole
// route at submission, activateNext the orders from the one it starts.
// Every due date is a new value (the old ones may be shared with a copy of
// the route, FinalApproval's).
func (rt *Route) project(from int, start time.Time) {
	latest := start
	for order, ok := from, true; ok; order, ok = rt.orderAfter(order) {
		for i := range rt.Stages {
			if s := &rt.Stages[i]; s.Order == order {
				due := AddWorkingDays(start, s.SLAWorkingDays)
				s.DueAt = &due
				if due.After(latest) {
					latest = due
				}
			}
		}
		start = latest
	}
}

// orderAfter is the lowest order of the route's stages above order, and
// whether there is one.
func (rt *Route) orderAfter(order int) (int, bool) {
	next, ok := 0, false
	for _, s := range rt.Stages {
		if s.Order > order && (!ok || s.Order < next) {
			next, ok = s.Order, true
		}
	}
	return next, ok
}

// Deadline is the overall due date of a route in review: the latest due
// date of its stages still to decide. An active stage's is binding, set
// when it started; a pending stage's is an estimate, as if each stage
// before it took its full time, made at submission and again whenever an
// order of stages starts (activateNext; the one the console shows as
// "expected by"). So the deadline moves later when a stage starts late and
// earlier when one starts early, and once the last order has started it is
// binding. It is nil when no stage is left to decide.
func (rt *Route) Deadline() *time.Time {
	var last *time.Time
	for i := range rt.Stages {
		s := &rt.Stages[i]
		if s.undecided() && s.DueAt != nil && (last == nil || s.DueAt.After(*last)) {
			last = s.DueAt
		}
	}
	if last == nil {
		return nil
	}
	due := *last
	return &due
}

// undecided reports whether the stage is still to decide: active or
// waiting for the stages before it.
func (s *Stage) undecided() bool { return s.Status == StageActive || s.Status == StagePending }

func sortedByOrder(in []PlannedStage) []PlannedStage {
	out := append([]PlannedStage(nil), in...)
	// insertion sort: routes have a handful of stages, and it is stable
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Order < out[j-1].Order; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// CodeDecisionAfterStart is the warning that a stage's deadline falls after
// the period has started: the unit may not move until the request is
// approved, so the exercise may begin without it.
const CodeDecisionAfterStart = "decision_after_start"

// DecisionAfterStartWarnings warns when the deadline of some stage of route
// still to decide falls after the period starts (00:00 Stockholm time on its
// first day). It names the latest such deadline, the day the final decision
// may come. At submission every stage is still to decide; as the route moves
// on, the request's warning is made again (Request.reschedule).
func DecisionAfterStartWarnings(route *Route, p Period) []Warning {
	if route == nil || p.Start.IsZero() {
		return nil
	}
	start := StockholmMidnight(p.Start)
	var last *Stage
	for i := range route.Stages {
		s := &route.Stages[i]
		if s.undecided() && s.DueAt != nil && s.DueAt.After(start) && (last == nil || s.DueAt.After(*last.DueAt)) {
			last = s
		}
	}
	if last == nil {
		return nil
	}
	return []Warning{{Code: CodeDecisionAfterStart, Message: fmt.Sprintf(
		"the decision may come after the period starts on %s: %s is due on %s; the unit may not move before the request is approved",
		DateString(p.Start), StageWords(last.ID, last.Role), DateString(StockholmDate(*last.DueAt)))}}
}

func (e *Escalation) clone() *Escalation {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}
