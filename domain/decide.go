package domain

import (
	"slices"
	"strings"
	"time"
)

// Decision outcomes (docs/product.md, "Words").
const (
	OutcomeApprove        = "approve"
	OutcomeReject         = "reject"
	OutcomeRequestChanges = "request_changes"
)

// CodeSeparationOfDuties refuses a decision that one person may not make:
// on a request they wrote (created, changed, submitted, resubmitted or
// withdrew), on a second stage of one request, or twice on one stage. It
// is a 403.
const CodeSeparationOfDuties = "separation_of_duties"

// CodeAreaConflict refuses a final approval that would overbook a training
// area or use it on a blackout day, unless the approver overrides it with a
// reason. It is a 409.
const CodeAreaConflict = "area_conflict"

// Limits on a decision's text.
const (
	MaxComment       = 4000
	MaxConditions    = 50
	MaxConditionText = 1000
)

// CommentReasonsRequired is the error of a rejection or a request for
// changes without a comment, in the API and the console alike.
const CommentReasonsRequired = "give your reasons: a rejection or a request for changes needs them"

// DecisionInput is what an approver sends.
type DecisionInput struct {
	Stage      string
	Outcome    string
	Comment    string
	Conditions []string
	// OverrideReason lets a final approval through despite a training-area
	// conflict; it is recorded in the audit log.
	OverrideReason string
	// Key, when set, makes a retried decision answer the first response.
	Key *Keyed
}

// ValidateDecision checks a decision's fields, naming every bad one.
func ValidateDecision(in DecisionInput) error {
	v := &validator{}
	if in.Stage == "" {
		v.add("stage", "is required")
	}
	v.oneOf("outcome", in.Outcome, OutcomeApprove, OutcomeReject, OutcomeRequestChanges)
	needsComment := in.Outcome == OutcomeReject || in.Outcome == OutcomeRequestChanges
	if needsComment && strings.TrimSpace(in.Comment) == "" {
		v.add("comment", CommentReasonsRequired)
	} else {
		v.text("comment", in.Comment, false, MaxComment)
	}
	if len(in.Conditions) > MaxConditions {
		v.add("conditions", "must have at most %d items", MaxConditions)
	}
	for i, c := range in.Conditions {
		v.text(fieldIndex("conditions", i), c, true, MaxConditionText)
	}
	if in.Outcome != OutcomeApprove && len(in.Conditions) > 0 {
		v.add("conditions", "only an approval carries conditions")
	}
	v.text("override_reason", in.OverrideReason, false, MaxComment)
	if in.Outcome != OutcomeApprove && in.OverrideReason != "" {
		v.add("override_reason", "only an approval can override a training-area conflict")
	}
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the decision is not valid", Fields: v.errs}
	}
	return nil
}

// CheckSeparationOfDuties refuses a decision by actor (or by a delegate
// acting for actingFor) that separation of duties forbids over r's whole
// life: nobody decides a request they wrote (its creator or any other of
// its Authors: whoever created, changed, submitted, resubmitted or
// withdrew it), two different stages of one request in any review round
// (resubmissions included), or twice on one stage of the current route. Acting for someone counts as deciding, for
// the delegate and the person they act for alike. Deciding the same stage
// again after a resubmission is allowed: it is a fresh review of that stage.
func CheckSeparationOfDuties(r *Request, stage, actor, actingFor string) error {
	people := []string{actor}
	if actingFor != "" {
		people = append(people, actingFor)
	}
	for _, who := range people {
		if r.WrittenBy(who) {
			return Errorf(CodeSeparationOfDuties, "%s wrote this request (created, changed or submitted it); nobody decides a request they wrote", who)
		}
	}
	involved := func(d Decision) bool {
		return slices.Contains(people, d.By) || (d.ActingFor != "" && slices.Contains(people, d.ActingFor))
	}
	for _, d := range r.Route.Earlier {
		if involved(d) && d.Stage != stage {
			return Errorf(CodeSeparationOfDuties, "%s decided stage %s of this request in an earlier review round; nobody decides two stages of one request", who(d), d.Stage)
		}
	}
	for _, s := range r.Route.Stages {
		for _, d := range s.Decisions {
			if !involved(d) {
				continue
			}
			if s.ID == stage {
				return Errorf(CodeSeparationOfDuties, "%s has already decided stage %s of this request", who(d), stage)
			}
			return Errorf(CodeSeparationOfDuties, "%s has already decided stage %s of this request; nobody decides two stages of one request", who(d), s.ID)
		}
	}
	return nil
}

// BarredFrom are the people separation of duties keeps from deciding
// stage of r, each deciding for themselves: exactly those for whom
// CheckSeparationOfDuties(r, stage, who, "") refuses — its authors,
// whoever decided (or was acted for on) another stage in any review round,
// and whoever decided this stage in the current round. A stage notice is
// not addressed to them (docs/architecture.md, "Notifications: the
// outbox"): they could not act on it.
func BarredFrom(r *Request, stage string) []string {
	var out []string
	add := func(who string) {
		if who != "" && !slices.Contains(out, who) {
			out = append(out, who)
		}
	}
	add(r.CreatedBy)
	for _, a := range r.Authors {
		add(a)
	}
	if r.Route == nil {
		return out
	}
	for _, d := range r.Route.Earlier {
		if d.Stage != stage {
			add(d.By)
			add(d.ActingFor)
		}
	}
	for _, d := range r.Route.Decisions() {
		add(d.By)
		add(d.ActingFor)
	}
	return out
}

// who names the decider of d, with the person they acted for.
func who(d Decision) string {
	if d.ActingFor != "" {
		return d.By + " (acting for " + d.ActingFor + ")"
	}
	return d.By
}

// ApplyDecision records d on its stage of r and moves the route and the
// request on: a stage is approved with its required number of distinct
// approvals; when every stage of an order is approved the next order becomes
// active (its deadlines counted from now, the estimates of the orders after
// it made again from those); when the last stage is approved
// the request is approved with the union of all conditions. While the
// request stays in review, a stage approved brings its overall due date and
// its decision_after_start warning up to date (reschedule). A rejection
// rejects the request; a request for changes returns it to the liaison
// officer. Either way the stages still open are cancelled, and the request
// keeps the due date it had then. It returns the request's new status. The
// caller has checked role and separation of duties.
func ApplyDecision(r *Request, d Decision, now time.Time) (Status, error) {
	st, err := r.reviewStage(d.Stage)
	if err != nil {
		return "", err
	}
	if err := st.mustBeActive(); err != nil {
		return "", err
	}
	st.Decisions = append(st.Decisions, d)
	switch d.Outcome {
	case OutcomeReject:
		st.Status = StageRejected
		return r.finish(ActionReject, now)
	case OutcomeRequestChanges:
		st.Status = StageChangesRequested
		return r.finish(ActionRequestChanges, now)
	}
	if st.Approvals() < st.ApprovalsRequired {
		return r.Status, nil
	}
	st.Status = StageApproved
	if r.Route.activateNext(now) {
		r.reschedule()
		return r.Status, nil
	}
	r.Conditions = r.Route.conditions()
	return r.finish(ActionApprove, now)
}

// FinalApproval reports whether an approval of stage by actor would
// approve r as it stands (ApplyDecision on a copy of r): the only decision
// Decide checks the training areas for, and so the only one whose
// override_reason does anything (checkFinalApproval). Any other decision
// accepts an override_reason and leaves it unused: nothing is recorded.
func FinalApproval(r *Request, stage, actor string, now time.Time) bool {
	if r == nil || r.Route == nil {
		return false
	}
	c := *r
	rt := *r.Route
	rt.Stages = slices.Clone(r.Route.Stages)
	for i := range rt.Stages {
		rt.Stages[i].Decisions = slices.Clone(rt.Stages[i].Decisions)
	}
	c.Route, c.Warnings, c.Conditions = &rt, slices.Clone(r.Warnings), slices.Clone(r.Conditions)
	to, err := ApplyDecision(&c, Decision{Stage: stage, By: actor, Outcome: OutcomeApprove, At: now}, now)
	return err == nil && to == StatusApproved
}

// finish ends review with action: open stages are cancelled and the
// decision time recorded when the request reaches a final decision.
func (r *Request) finish(action Action, now time.Time) (Status, error) {
	to, err := Transition(r.Status, action)
	if err != nil {
		return "", err
	}
	r.Route.cancelOpen()
	r.Status = to
	if to != StatusChangesRequested {
		r.DecidedAt = &now
	}
	return to, nil
}

// reviewStage finds a stage that can be decided on: the request must be in
// review and the stage on its route.
func (r *Request) reviewStage(id string) (*Stage, error) {
	if r.Status != StatusInReview || r.Route == nil {
		return nil, Errorf(CodeInvalidTransition, "only a request in review can be decided; this one is %s", r.Status)
	}
	if st := r.Route.stage(id); st != nil {
		return st, nil
	}
	return nil, &Error{Code: CodeInvalid, Message: "no such stage on this request's route",
		Fields: []FieldError{{"stage", "unknown stage " + quote(id)}}}
}

// mustBeActive refuses a decision on a stage that is not open now.
func (s *Stage) mustBeActive() error {
	if s.Status != StageActive {
		return Errorf(CodeConflict, "stage %s is %s, not active", s.ID, s.Status)
	}
	return nil
}

func (rt *Route) stage(id string) *Stage {
	for i := range rt.Stages {
		if rt.Stages[i].ID == id {
			return &rt.Stages[i]
		}
	}
	return nil
}

// Approvals counts the distinct approvers of the stage: what its
// approvals_required is measured against.
func (s *Stage) Approvals() int {
	var who []string
	for _, d := range s.Decisions {
		if d.Outcome == OutcomeApprove && !slices.Contains(who, d.By) {
			who = append(who, d.By)
		}
	}
	return len(who)
}

// activateNext activates the next order of stages once every stage of the
// current order is approved: their deadlines are counted from now, and the
// estimates of the orders still waiting after them are made again from
// those deadlines, as at submission (Route.project). It reports whether any
// stage is still open.
func (rt *Route) activateNext(now time.Time) bool {
	next := 0
	for _, s := range rt.Stages {
		switch s.Status {
		case StageActive:
			return true // the current order is not finished
		case StagePending:
			if next == 0 || s.Order < next {
				next = s.Order
			}
		}
	}
	if next == 0 {
		return false
	}
	for i := range rt.Stages {
		if s := &rt.Stages[i]; s.Status == StagePending && s.Order == next {
			s.Status, s.ActivatedAt = StageActive, &now
		}
	}
	rt.project(next, now)
	return true
}

// reschedule brings what r says of its route's deadlines up to date once
// the route has moved on (a stage approved, the next order activated): its
// overall due date becomes the route's Deadline, and its
// decision_after_start warning is made again from the stages still to
// decide (gone when none of them is due after the period starts). Both live
// in the request's own row, which the decision writes anyway.
func (r *Request) reschedule() {
	r.DueAt = r.Route.Deadline()
	r.Warnings = replaceWarnings(r.Warnings, CodeDecisionAfterStart, DecisionAfterStartWarnings(r.Route, r.Period))
}

// replaceWarnings returns ws with its warnings of code replaced by with:
// where the first of them stood, or at the end when there was none. ws is
// not modified, and is returned as it is when there is nothing to replace.
func replaceWarnings(ws []Warning, code string, with []Warning) []Warning {
	has := func(w Warning) bool { return w.Code == code }
	if len(with) == 0 && !slices.ContainsFunc(ws, has) {
		return ws
	}
	out := make([]Warning, 0, len(ws)+len(with))
	placed := false
	for _, w := range ws {
		if !has(w) {
			out = append(out, w)
		} else if !placed {
			out, placed = append(out, with...), true
		}
	}
	if !placed {
		out = append(out, with...)
	}
	return out
}

func (rt *Route) cancelOpen() {
	for i := range rt.Stages {
		if s := &rt.Stages[i]; s.undecided() {
			s.Status = StageCancelled
		}
	}
}

// conditions is the union of every approval's conditions, in route order
// (stage by stage, decision by decision), each condition once.
func (rt *Route) conditions() []string {
	out := []string{}
	for _, s := range rt.Stages {
		for _, d := range s.Decisions {
			for _, c := range d.Conditions {
				if !slices.Contains(out, c) {
					out = append(out, c)
				}
			}
		}
	}
	return out
}
