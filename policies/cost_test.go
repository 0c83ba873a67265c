package policies

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"exaccess/domain"
)

// conditions are the CEL expressions of p, by what they belong to.
func conditions(p *Policy) map[string]string {
	out := map[string]string{}
	for _, r := range p.rules {
		if r.when != "" {
			out["rule "+r.id] = r.when
		}
	}
	for _, s := range p.stages {
		out["stage "+s.ID] = s.when
	}
	if p.fast != nil {
		out["fast_track"] = p.fast.when
		for id, k := range p.fast.keep {
			if k.when != "" {
				out["fast_track stage "+id] = k.when
			}
		}
	}
	return out
}

// TestDefaultPolicyCost: every condition of the default policy stays at
// most a thousandth of the cost limit in its worst case, so the limit never
// refuses the policy the service ships with.
func TestDefaultPolicyCost(t *testing.T) {
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	var most uint64
	conds := conditions(defaultPolicy(t))
	if len(conds) < 5 {
		t.Fatalf("only %d conditions found", len(conds))
	}
	for what, expr := range conds {
		ast, iss := env.Compile(expr)
		if iss.Err() != nil {
			t.Fatalf("%s: %v", what, iss.Err())
		}
		est, err := env.EstimateCost(ast, factSizes{})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		t.Logf("%s: cost %d…%d", what, est.Min, est.Max)
		most = max(most, est.Max)
	}
	if most*1000 > maxConditionCost {
		t.Errorf("the default policy's costliest condition costs %d: less than 1000 times below the limit %d", most, maxConditionCost)
	}
}

// hostile is basePolicy with the range_safety stage's condition replaced.
func hostile(cond string) string {
	return strings.Replace(basePolicy, `when: "request.live_fire"`, "when: "+quoteYAML(cond), 1)
}

func quoteYAML(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// TestCostlyConditionsRefused: conditions whose worst case would run for
// minutes are refused at load, naming the stage and the limit.
func TestCostlyConditionsRefused(t *testing.T) {
	nested := "true"
	for _, v := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"} {
		nested = "[0,1,2,3,4,5,6,7,8,9].all(" + v + ", " + nested + ")"
	}
	for name, cond := range map[string]string{
		"nine nested ranges": nested,
		"three nested request lists": "request.weapon_systems.all(a, request.weapon_systems.all(b, " +
			"request.weapon_systems.all(c, a + b != c)))",
		"string building in a comprehension": "request.weapon_systems.all(a, request.weapon_systems.all(b, (a + b).contains(request.nation)))",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := loadText(t, hostile(cond))
			assertLoadError(t, err, 17, `stage "range_safety" when: the condition is too expensive`)
		})
	}
	// A comprehension over a request list with string functions is
	// accepted; it is dear enough to be guarded, and routes as before.
	p := mustLoadText(t, hostile("request.weapon_systems.exists(w, w.lowerAscii().startsWith('carl'))"))
	if !p.guarded {
		t.Error("a condition over a request list is not guarded")
	}
	in := plainInput()
	in.Details.Weapons = domain.Weapons{LiveFire: true, Systems: []string{"NLAW", "Carl-Gustaf M4"}}
	res, err := p.Route(in)
	if err != nil || len(res.Stages) != 2 || res.Stages[1].ID != "range_safety" {
		t.Fatalf("Route = %+v, %v", res.Stages, err)
	}
	if p := mustLoadText(t, basePolicy); p.guarded {
		t.Error("the base policy's conditions are not cheap")
	}
}

// TestCostLimitAtEvaluation: a condition the estimate did not stop (here
// one planned without it) is stopped by the cost limit with an error naming
// the stage, never a hang.
func TestCostLimitAtEvaluation(t *testing.T) {
	p := mustLoadText(t, basePolicy)
	env, err := celEnv()
	if err != nil {
		t.Fatal(err)
	}
	ast, iss := env.Compile("request.weapon_systems.all(a, request.weapon_systems.all(b, request.weapon_systems.all(c, a + b != c)))")
	if iss.Err() != nil {
		t.Fatal(iss.Err())
	}
	prg, err := program(env, ast, true)
	if err != nil {
		t.Fatal(err)
	}
	if p.stages[1].ID != "range_safety" || p.guarded {
		t.Fatalf("stage 1 is %s, guarded %v", p.stages[1].ID, p.guarded)
	}
	p.stages[1].prg, p.guarded = guarded{prg}, true
	in := plainInput()
	in.Details.Weapons = domain.Weapons{LiveFire: true}
	for i := range domain.MaxListItems {
		in.Details.Weapons.Systems = append(in.Details.Weapons.Systems, fmt.Sprintf("system %d", i))
	}
	_, err = p.Route(in)
	if !errors.Is(err, errCostExceeded) || !strings.Contains(err.Error(), `stage "range_safety"`) {
		t.Fatalf("Route = %v, want the stage's cost limit exceeded", err)
	}
	// The caller is told the stage and the limit; the condition's text and
	// the file are for the log (the error's cause) only.
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodePolicyError {
		t.Fatalf("Route = %v, want a domain error with code %s", err, domain.CodePolicyError)
	}
	if !strings.Contains(de.Message, `stage "range_safety"`) || !strings.Contains(de.Message, "exceeded its cost limit") ||
		strings.Contains(de.Message, p.stages[1].when) || strings.Contains(de.Message, customPath) {
		t.Errorf("message %q: want the stage and the cost limit, without the condition or the file", de.Message)
	}
	if !strings.Contains(de.Cause.Error(), p.stages[1].when) || !strings.Contains(de.Cause.Error(), customPath) {
		t.Errorf("cause %q: want the condition and the file", de.Cause)
	}
}
