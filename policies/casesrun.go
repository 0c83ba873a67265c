package policies

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"exaccess/domain"
)

// CaseEnv is what running a case needs besides the policy: the reference
// data (nations with their membership dates, areas, entry points) and the
// API's reader of request bodies, so that a case's request is read and
// validated exactly as the server reads and validates a submitted one.
type CaseEnv struct {
	Ref    domain.Reference
	Decode func(body []byte, ref domain.Reference) (domain.Details, error)
}

// RunCase evaluates one case on the policy at the case's clock, like the
// dry run of the API, and returns one line per expectation it misses (none
// when it passes).
func (p *Policy) RunCase(c Case, env CaseEnv) []string {
	d, err := env.Decode(c.Request, env.Ref)
	if err == nil {
		err = domain.ValidateDetails(d, env.Ref)
	}
	if err == nil {
		err = domain.ValidateTiming(d, c.Now)
	}
	if err != nil {
		return []string{"the request is not valid: " + describeError(err)}
	}
	n, ok := env.Ref.Nation(c.Nation)
	if !ok {
		return []string{fmt.Sprintf("nation %q is not in the reference data", c.Nation)}
	}
	ev, err := domain.DryRun(p, domain.RoutingInput{Nation: n, Details: d, Framework: c.Framework, Today: c.Now})
	if err != nil {
		return []string{"routing failed: " + err.Error()}
	}
	return c.Expect.Check(ev)
}

// Check compares an evaluation with the expectation and returns one line
// per difference. Scenario tests use it on what the server answered.
func (e Expect) Check(ev domain.Evaluation) []string {
	res := ev.Result
	var diffs []string
	differ := func(what string, got, want any) {
		diffs = append(diffs, fmt.Sprintf("%s:\n        got  %v\n        want %v", what, got, want))
	}
	if res.Eligible != *e.Eligible {
		differ("eligible", res.Eligible, *e.Eligible)
	}
	failed := []string{}
	for _, r := range res.Eligibility {
		if !r.Passed {
			failed = append(failed, r.Rule)
		}
	}
	if want := nonNil(e.Failed); !slices.Equal(failed, want) {
		differ("failed rules", failed, want)
	}
	if e.FastTrack != nil && res.FastTrack != *e.FastTrack {
		differ("fast_track", res.FastTrack, *e.FastTrack)
	}
	var stages []string
	approvals := map[string]int{}
	for _, s := range res.Stages {
		stages = append(stages, s.ID)
		approvals[s.ID] = s.ApprovalsRequired
	}
	if !slices.Equal(nonNil(stages), e.Stages) {
		differ("stages", nonNil(stages), e.Stages)
	}
	for id, want := range e.Approvals {
		if got, ok := approvals[id]; !ok || got != want {
			differ("approvals_required of "+id, got, want)
		}
	}
	diffs = append(diffs, missing("refusal", res.Refusals(), e.Refusals)...)
	diffs = append(diffs, missing("route reason", res.Reasons, e.Reasons)...)
	var codes, messages []string
	for _, w := range res.Warnings {
		codes, messages = append(codes, w.Code), append(messages, w.Message)
	}
	if e.Warnings != nil && !sameSet(codes, e.Warnings) {
		differ("warnings", nonNil(codes), e.Warnings)
	}
	return append(diffs, missing("warning message", messages, e.Messages)...)
}

// missing reports each wanted fragment that no line of got contains.
func missing(what string, got, fragments []string) []string {
	var out []string
	for _, f := range fragments {
		if !slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, f) }) {
			out = append(out, fmt.Sprintf("no %s contains %q; the %ss are:\n        %s", what, f, what,
				strings.Join(quoteEach(got), "\n        ")))
		}
	}
	return out
}

func quoteEach(ss []string) []string {
	if len(ss) == 0 {
		return []string{"(none)"}
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func describeError(err error) string {
	var de *domain.Error
	if !errors.As(err, &de) || len(de.Fields) == 0 {
		return err.Error()
	}
	parts := make([]string, len(de.Fields))
	for i, f := range de.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return strings.Join(parts, "; ")
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	Case  Case
	Diffs []string
}

// Passed reports whether the case met every expectation.
func (r CaseResult) Passed() bool { return len(r.Diffs) == 0 }

// RunCases runs every case, in order.
func (p *Policy) RunCases(cases []Case, env CaseEnv) []CaseResult {
	out := make([]CaseResult, len(cases))
	for i, c := range cases {
		out[i] = CaseResult{Case: c, Diffs: p.RunCase(c, env)}
	}
	return out
}
