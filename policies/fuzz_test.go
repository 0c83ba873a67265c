package policies

import (
	"testing"
	"testing/fstest"
	"time"

	"exaccess/domain"
)

// FuzzLoad: loading any file either fails with errors that name the file,
// or yields a policy that routes a request without panicking. A policy is
// operator input, read at start; a bad one must stop the start cleanly.
// Run with: go test ./policies -run '^$' -fuzz '^FuzzLoad$' -fuzztime 10s
func FuzzLoad(f *testing.F) {
	def, err := defaultFS.ReadFile("default/" + FileName)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(def)
	for _, seed := range []string{
		"",
		"version: x\n",
		"version: x\neligibility:\n  - id: a\n    when: \"true\"\n    reason: r\nstages:\n  - id: s\n    role: hns_officer\n    order: 1\n    when: \"true\"\n    approvals_required: 1\n    sla_working_days: 1\n    reason: r\n",
		"version: x\nstages:\n  - id: s\n    role: king\n    order: -1\n    when: \"request.live_fir\"\n",
		"a: &a [*a, *a]\n",
		"version: [\n",
		"version: x\nfast_track:\n  when: \"1/0 == 1\"\n",
		"version: x\nstages:\n  - {id: s, role: hns_officer, order: 1, when: \"'a'.matches('(')\", approvals_required: 1, sla_working_days: 1, reason: r}\n",
	} {
		f.Add([]byte(seed))
	}
	const name = "policies/fuzz/policy.yaml"
	in := domain.RoutingInput{
		Nation: domain.Nation{Code: "DE", Name: "Germany"},
		Details: domain.Details{ExerciseName: "Fuzz", Personnel: domain.Personnel{Military: 10},
			Period: domain.Period{Start: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 4, 5, 0, 0, 0, 0, time.UTC)}},
		Today: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Load(fstest.MapFS{name: {Data: data}}, name)
		if err != nil {
			return
		}
		if p.Version() == "" {
			t.Fatal("a policy loaded without a version")
		}
		_ = p.Summary()
		// Evaluation may refuse (an error is an internal error, never an
		// approval), but must not panic.
		if res, err := p.Route(in); err == nil && len(res.Stages) == 0 {
			t.Fatal("a route without stages")
		}
	})
}
