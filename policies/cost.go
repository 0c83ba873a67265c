package policies

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/types"

	"exaccess/domain"
)

// A condition's cost is CEL's measure of the work it does (one unit is
// about one step: a comparison, a field read, one iteration of a
// comprehension; a string operation counts a unit per ten bytes). A policy
// is refused at load when the worst case of one of its conditions exceeds
// maxConditionCost: nested comprehensions over the request's lists (500
// weapon systems each), or over literal ranges, would otherwise make one
// routing take minutes. The costliest condition of the default policy costs
// 504 in its worst case (TestDefaultPolicyCost); the limit is about 2000
// times that, so that a policy may compare every element of a request list
// with string functions, and a condition at the limit runs for tens of
// milliseconds. The same limit is enforced while evaluating, and a deadline
// bounds a whole routing.
const (
	maxConditionCost uint64 = 1_000_000
	// evalDeadline bounds one routing (every condition of the policy); a
	// routing of the default policy takes microseconds.
	evalDeadline = time.Second
	// interruptEvery is how many comprehension iterations run between two
	// looks at the deadline.
	interruptEvery = 100
)

// Sizes the estimate assumes for the facts: request lists are bounded by
// the request validation (domain.MaxListItems), strings by
// domain.MaxShortText characters of up to 4 bytes.
const (
	factListSize   = domain.MaxListItems
	factStringSize = 4 * domain.MaxShortText
)

// factSizes tells CEL's cost estimate how large the facts can be; without
// it every list and string is assumed unbounded.
type factSizes struct{}

func (factSizes) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	if len(n.Path()) == 0 {
		return nil
	}
	var s cost.SizeEstimate
	switch n.Type().Kind() {
	case types.ListKind, types.MapKind:
		s = cost.SizeEstimate{Min: 0, Max: factListSize}
	case types.StringKind, types.BytesKind:
		s = cost.SizeEstimate{Min: 0, Max: factStringSize}
	default:
		return nil
	}
	return &s
}

func (factSizes) EstimateCallCost(string, string, *cost.AstNode, []cost.AstNode) *cost.CallEstimate {
	return nil
}

// checkCost estimates a condition's worst-case cost and refuses it when
// that exceeds the limit.
func checkCost(env *cel.Env, ast *cel.Ast) (uint64, error) {
	est, err := env.EstimateCost(ast, factSizes{})
	if err != nil {
		return 0, fmt.Errorf("its cost cannot be estimated: %w", err)
	}
	if est.Max > maxConditionCost {
		return 0, fmt.Errorf("is too expensive: its worst case costs %s, the limit is %d "+
			"(nested comprehensions over lists multiply; see docs/policies.md, \"Cost limit\")", costText(est.Max), maxConditionCost)
	}
	return est.Max, nil
}

// cheapCost is the worst-case cost up to which a condition is evaluated
// as it was planned, without counting its cost or watching the deadline:
// the estimate proves it ends in microseconds whatever the request, and the
// watching would cost more than the condition (routing is in the hot path
// of every submit). Every condition of the default policy is cheap; a
// dearer one is guarded.
const cheapCost = 10_000

// guarded is a condition whose worst case is above cheapCost: it runs with
// the cost limit and under the routing's deadline.
type guarded struct{ cel.Program }

func costText(c uint64) string {
	if c > 1<<62 {
		return "more than 4611686018427387904"
	}
	return fmt.Sprint(c)
}

// errCostExceeded is an evaluation stopped by the cost limit or deadline.
var errCostExceeded = errors.New("exceeded its cost limit")

// evalLimitError turns CEL's cost-limit and interrupt errors into
// errCostExceeded, so the caller names the rule that exceeded it.
func evalLimitError(ctx context.Context, err error) error {
	msg := err.Error()
	if ctx.Err() != nil || strings.Contains(msg, "cost limit exceeded") || strings.Contains(msg, "interrupted") {
		return fmt.Errorf("%w (%s)", errCostExceeded, msg)
	}
	return err
}
