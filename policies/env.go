package policies

import (
	"context"
	"fmt"
	"reflect"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"
)

// celEnv is the one CEL environment every policy is compiled in. It holds
// only the schema (no policy, no configuration), is immutable and safe for
// concurrent use, so building it once per process is enough.
var celEnv = sync.OnceValues(newEnv)

// newEnv declares the schema of the facts. The variables are typed objects,
// not map(string, dyn): the type checker then rejects an unknown field such
// as request.live_fir when the policy is loaded.
func newEnv() (*cel.Env, error) {
	return cel.NewEnv(
		ext.NativeTypes(ext.ParseStructTags(true),
			reflect.TypeFor[RequestFacts](), reflect.TypeFor[NationFacts](), reflect.TypeFor[FrameworkFacts]()),
		cel.Variable("request", cel.ObjectType("policies.RequestFacts")),
		cel.Variable("nation", cel.ObjectType("policies.NationFacts")),
		cel.Variable("framework", cel.ObjectType("policies.FrameworkFacts")),
		cel.Variable("lead_working_days", cel.IntType),
		cel.Variable("today", cel.TimestampType),
		// Lets authors write request.net_explosive_kg > 100 without 100.0.
		cel.CrossTypeNumericComparisons(true),
		ext.Sets(),    // sets.intersects(request.training_areas, ['ravlunda'])
		ext.Strings(), // lowerAscii, startsWith and friends
	)
}

// compileBool compiles and type-checks expr, insists that it yields a bool
// and plans a program for it. The returned error is the CEL message only;
// the caller adds file, line and the rule it belongs to.
func compileBool(env *cel.Env, expr string) (cel.Program, []celIssue) {
	ast, iss := env.Compile(expr)
	if iss.Err() != nil {
		var out []celIssue
		for _, e := range iss.Errors() {
			out = append(out, celIssue{line: e.Location.Line(), msg: e.Message})
		}
		return nil, out
	}
	if t := ast.OutputType(); !t.IsExactType(cel.BoolType) {
		return nil, []celIssue{{line: 1, msg: fmt.Sprintf("must be a bool expression, but it is %s", t)}}
	}
	worst, err := checkCost(env, ast)
	if err != nil {
		return nil, []celIssue{{line: 1, msg: "the condition " + err.Error()}}
	}
	watch := worst > cheapCost
	prg, err := program(env, ast, watch)
	if err != nil {
		return nil, []celIssue{{line: 1, msg: err.Error()}}
	}
	if watch {
		return guarded{prg}, nil
	}
	return prg, nil
}

// program plans a checked condition. OptOptimize folds constants such as
// timestamp('2026-01-01T00:00:00Z') once here instead of on every request.
// A guarded program (watch) also counts its cost against the limit and
// looks at the routing's deadline while it iterates (cost.go).
func program(env *cel.Env, ast *cel.Ast, watch bool) (cel.Program, error) {
	if !watch {
		return env.Program(ast, cel.EvalOptions(cel.OptOptimize))
	}
	return env.Program(ast, cel.EvalOptions(cel.OptOptimize),
		cel.CostLimit(maxConditionCost), cel.InterruptCheckFrequency(interruptEvery))
}

// celIssue is one compile problem, with its line inside the expression.
type celIssue struct {
	line int
	msg  string
}

// evalBool runs a compiled condition on the facts of one request; ctx
// carries the routing's deadline.
func evalBool(ctx context.Context, prg cel.Program, act interpreter.Activation) (bool, error) {
	var out ref.Val
	var err error
	if g, ok := prg.(guarded); ok {
		out, _, err = g.ContextEval(ctx, act)
		if err != nil {
			err = evalLimitError(ctx, err)
		}
	} else {
		out, _, err = prg.Eval(act)
	}
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	if !ok {
		// The type checker proved the expression is bool; this is a bug.
		return false, fmt.Errorf("expected bool, got %T", out.Value())
	}
	return b, nil
}

// activation hands the facts to CEL without building a map per request.
type activation struct{ f *Facts }

func (a activation) ResolveName(name string) (any, bool) {
	switch name {
	case "request":
		return &a.f.Request, true
	case "nation":
		return &a.f.Nation, true
	case "framework":
		return &a.f.Framework, true
	case "lead_working_days":
		return a.f.leadWorkingDays(), true
	case "today":
		return a.f.Today, true
	}
	return nil, false
}

func (a activation) Parent() interpreter.Activation { return nil }
