package policies

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"cel.dev/cel-go/cel"

	"exaccess/domain"
)

// Policy is a loaded routing policy: every condition compiled and
// type-checked, ready to route any number of requests concurrently. It is
// immutable after Load.
type Policy struct {
	version  string
	source   string // the file it was loaded from, for messages
	partners []string
	rules    []rule
	stages   []stage // sorted by order, then file order
	fast     *fastTrack
	// guarded: a condition's worst case is above cheapCost, so a routing
	// runs under evalDeadline (cost.go).
	guarded bool
}

// rule is one eligibility rule: the request is eligible when every rule's
// condition is true.
type rule struct {
	id, when, reason string
	prg              cel.Program
	notice           *notice // a lead-time rule: when is then applies_when (nil prg: always)
}

// stage is a stage definition and the condition under which it applies.
type stage struct {
	domain.PlannedStage
	when string
	prg  cel.Program
}

// fastTrack shrinks the route of a request that fits a framework agreement.
type fastTrack struct {
	when, reason string
	prg          cel.Program
	keep         map[string]kept // kept stage id → how it is kept
	order        []string        // kept ids, in file order, for Summary
}

// kept is a stage the fast track keeps: with a shorter SLA (sla > 0), and
// only when an extra condition holds too (prg non-nil). The fast track can
// only take reviews away: its condition narrows the stage's own, never
// widens it.
type kept struct {
	sla  int // -1: the stage's own SLA
	when string
	prg  cel.Program
}

var _ domain.Router = (*Policy)(nil)

// errNoStage is returned by Route when no stage applies: a route without
// stages would approve a request nobody reviewed.
var errNoStage = errors.New("no stage applies to this request; every route needs at least one stage")

// Version is the policy's version string, stored with every routed request.
func (p *Policy) Version() string { return p.version }

// Roles are the approver roles the policy's stages name, as a stage's role
// or as the role its escalation goes to: the built-in ones it uses and the
// ones it adds, sorted, each once. The server registers them
// (domain.AddApproverRoles) before it serves anything, so that accounts may
// be given a role the policy adds.
func (p *Policy) Roles() []domain.Role {
	var out []domain.Role
	for _, s := range p.stages {
		out = append(out, s.Role)
		if s.Escalation != nil {
			out = append(out, s.Escalation.Role)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// Route evaluates the policy for one request: every eligibility rule, the
// fast track, and the stages that apply. Stages are computed even for an
// ineligible request so that a dry run can show the route it would take.
// It never reads the clock: in.Today is "now". An error means the policy
// could not decide, never approval: a condition that could not be evaluated
// is a domain.PolicyFailure naming its rule; no stage applying is an
// internal error.
func (p *Policy) Route(in domain.RoutingInput) (domain.RoutingResult, error) {
	if in.Today.IsZero() {
		// A forgotten clock would make every lead time look enormous.
		return domain.RoutingResult{}, fmt.Errorf("policy %s: routing input has no Today", p.version)
	}
	ctx := context.Background()
	if p.guarded {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, evalDeadline)
		defer cancel()
	}
	act := activation{newFacts(in, p.partners)}
	res := domain.RoutingResult{PolicyVersion: p.version, Eligible: true}
	for _, r := range p.rules {
		passed, reason, err := evalRule(ctx, r, act)
		if err != nil {
			return domain.RoutingResult{}, p.evalError("eligibility rule", r.id, r.when, err)
		}
		res.Eligibility = append(res.Eligibility, domain.RuleResult{Rule: r.id, Passed: passed, Reason: reason})
		res.Eligible = res.Eligible && passed
	}
	// The fast track is for a request that fits a valid framework agreement
	// (framework.fits, domain.Fit): the policy's when narrows it, never
	// widens it, so a when that leaves framework.fits out cannot fast-track
	// a request no agreement covers, whose final approval would then be
	// refused (the re-check at approval is by domain.Fit).
	if p.fast != nil && act.f.Framework.Fits {
		fast, err := evalBool(ctx, p.fast.prg, act)
		if err != nil {
			return domain.RoutingResult{}, p.evalError("fast_track", "", p.fast.when, err)
		}
		res.FastTrack = fast
	}
	if err := p.plan(ctx, &res, act); err != nil {
		return domain.RoutingResult{}, err
	}
	return res, nil
}

// plan adds the stages that apply, with one reason line each. On the fast
// track a stage must also be kept by it (and meet the fast track's extra
// condition for it, if any), with its fast-track SLA.
func (p *Policy) plan(ctx context.Context, res *domain.RoutingResult, act activation) error {
	if res.FastTrack {
		res.Reasons = append(res.Reasons, "fast track: "+p.fast.reason)
	}
	for _, s := range p.stages {
		planned := s.PlannedStage
		applies, err := evalBool(ctx, s.prg, act)
		if err != nil {
			return p.evalError("stage", s.ID, s.when, err)
		}
		if applies && res.FastTrack {
			applies, err = p.fast.applies(ctx, s.ID, &planned, act)
			if err != nil {
				return p.evalError("fast_track stage", s.ID, p.fast.keep[s.ID].when, err)
			}
		}
		if applies {
			res.Stages = append(res.Stages, planned)
			res.Reasons = append(res.Reasons, fmt.Sprintf("%s (%s): %s", s.ID, s.Role, s.Reason))
		}
	}
	if len(res.Stages) == 0 {
		return fmt.Errorf("policy %s (%s): %w", p.version, p.source, errNoStage)
	}
	return nil
}

// evalRule evaluates one eligibility rule, with the reason to report.
func evalRule(ctx context.Context, r rule, act activation) (bool, string, error) {
	if r.notice != nil {
		return evalNotice(ctx, r, act)
	}
	passed, err := evalBool(ctx, r.prg, act)
	return passed, r.reason, err
}

// applies tells whether a stage that applies on the normal route stays on
// the fast track, setting its fast-track SLA on planned.
func (ft *fastTrack) applies(ctx context.Context, id string, planned *domain.PlannedStage, act activation) (bool, error) {
	k, ok := ft.keep[id]
	if !ok {
		return false, nil
	}
	if k.sla > 0 {
		planned.SLAWorkingDays = k.sla
	}
	if k.prg == nil {
		return true, nil
	}
	return evalBool(ctx, k.prg, act)
}

// evalError is a condition that could not be evaluated, as a
// domain.PolicyFailure: the caller is told which rule (its id is no
// secret), the log also the policy file, the expression and CEL's error,
// so that whoever reads it finds the line to fix.
func (p *Policy) evalError(what, id, expr string, err error) error {
	if id != "" {
		what = fmt.Sprintf("%s %q", what, id)
	}
	why := ""
	if errors.Is(err, errCostExceeded) {
		why = "it " + errCostExceeded.Error()
	}
	return domain.PolicyFailure(p.version, what, why,
		fmt.Errorf("policy %s (%s): %s when %q: %w", p.version, p.source, what, expr, err))
}
