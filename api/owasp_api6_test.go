package api

import (
	"net/http"
	"strconv"
	"testing"
)

// OWASP API6:2023 Unrestricted Access to Sensitive Business Flows. The flow
// that matters is "a unit may move": it must take every stage the policy
// names, each by a different person, in order, exactly once. Each step runs
// against a warship request (intake → range and operations → two ministry
// approvals) and is refused without changing anything, or is the next legal
// step.
func TestAPI6ApprovalFlowCannotBeShortCut(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, _ := e.submitted(warshipDraft())
		path := "/api/v1/requests/" + id
		// current is the request's ETag now; stale is one behind.
		current := func() string { return e.do("auditor", http.MethodGet, path, nil).Header.Get("ETag") }
		stale := func() string {
			v, _ := strconv.Atoi(current()[1 : len(current())-1])
			return `"` + strconv.Itoa(v-1) + `"`
		}
		steps := []struct {
			name, as, stage, outcome string
			tag                      func() string
			status                   int
			code                     string
		}{
			{"the sending nation approves its own request", "lo-no", "intake", "approve", current, 403, "forbidden"},
			{"the ministry decides before intake", "gov", "ministry", "approve", current, 409, "conflict"},
			{"operations decides before intake", "ops", "operations", "approve", current, 409, "conflict"},
			{"a stage the route does not have", "hns", "fast_track", "approve", current, 422, "invalid"},
			{"an auditor decides", "auditor", "intake", "approve", current, 403, "forbidden"},
			{"intake, properly", "hns", "intake", "approve", current, 200, ""},
			{"intake replayed with the old ETag", "hns", "intake", "approve", stale, 412, "precondition_failed"},
			{"intake replayed with the new ETag", "hns", "intake", "approve", current, 409, "conflict"},
			{"intake's officer takes range safety too", "hns", "range_safety", "approve", current, 403, "forbidden"},
			{"range safety, properly", "range", "range_safety", "approve", current, 200, ""},
			{"ministry before operations", "gov", "ministry", "approve", current, 409, "conflict"},
			{"operations, properly", "ops", "operations", "approve", current, 200, ""},
			{"operations' approver also approves for the ministry", "ops", "ministry", "approve", current, 403, "forbidden"},
			{"first ministry approval", "gov", "ministry", "approve", current, 200, ""},
			{"the same minister approves twice", "gov", "ministry", "approve", current, 403, "separation_of_duties"},
			{"second ministry approval", "gov2", "ministry", "approve", current, 200, ""},
			{"a decision after approval", "gov2", "ministry", "reject", current, 409, "invalid_transition"},
		}
		for _, s := range steps {
			before := current()
			r := e.decide(s.as, id, s.tag(), s.stage, s.outcome, "reason given")
			if s.status == 200 {
				want(t, r, 200)
				continue
			}
			wantProblem(t, r, s.status, s.code)
			if after := current(); after != before {
				t.Fatalf("%s: refused, yet the request moved from %s to %s", s.name, before, after)
			}
		}
		final := e.do("lo-no", http.MethodGet, path, nil).JSON(t)
		if final["status"] != "approved" || final["movement_authorized"] != true {
			t.Fatalf("final %v", final["status"])
		}
		// After approval the nation cannot withdraw, edit or resubmit it.
		tag := current()
		wantProblem(t, e.do("lo-no", http.MethodPost, path+"/withdraw", nil, "If-Match", tag), 409, "invalid_transition")
		wantProblem(t, e.do("lo-no", http.MethodPatch, path, map[string]any{"purpose": "now with tanks"}, "If-Match", tag), 409, "invalid_transition")
		wantProblem(t, e.do("lo-no", http.MethodPost, path+"/submit", nil, "If-Match", tag), 409, "invalid_transition")
	})
}

// TestAPI6DelegationCannotLaunderAuthority: delegation cannot hand a role to
// oneself, to a liaison officer, or onward, and cannot outlive a year.
func TestAPI6DelegationCannotLaunderAuthority(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/delegate.db")
	for _, tc := range []struct {
		name, as string
		body     map[string]any
		field    string
	}{
		{"to oneself", "hns", map[string]any{"to": "hns", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}, "to"},
		{"to the sending nation", "hns", map[string]any{"to": "lo-no", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}, "to"},
		{"a role one does not hold", "hns", map[string]any{"to": "range", "role": "ministry", "ends": "2026-12-01T00:00:00Z"}, "role"},
		{"for two years", "hns", map[string]any{"to": "range", "role": "hns_officer", "ends": "2028-12-01T00:00:00Z"}, "ends"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, e.do(tc.as, http.MethodPost, "/api/v1/delegations", tc.body), 422, "invalid", tc.field)
		})
	}
	want(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), 201)
	wantProblem(t, e.do("range", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "ops", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), 422, "invalid", "role")
}
