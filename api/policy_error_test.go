package api

import (
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"exaccess/internal/apptest"
	"exaccess/internal/testlog"
	"exaccess/policies"
	"exaccess/storage/storagetest"
)

// brokenPolicy is the default policy with range_safety's condition
// replaced by one that divides by zero on a request without vessels.
func brokenPolicy(t *testing.T) *policies.Policy {
	return apptest.PolicyWith(t, `when: "request.live_fire || request.dangerous_goods || size(request.training_areas) > 0"`,
		`when: "request.personnel.total / request.vessels.total > 0"`)
}

// TestPolicyErrorNamesTheRule: a condition of the routing policy that
// cannot be evaluated for a request (here a division by zero in a stage's
// condition) answers the dry run, for a liaison officer and an approver,
// and the submit with 422 policy_error naming the stage and the request id
// — it was a bare 500 that only the log explained. The condition's text,
// the policy file and CEL's message go to the log, not to the caller. The
// submit stores nothing: the request stays a draft of version 1 and no
// audit entry is written.
func TestPolicyErrorNamesTheRule(t *testing.T) {
	p := brokenPolicy(t)
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := newEnvWith(t, c.DSN, apptest.Options{Policy: p})
			var log testlog.Buffer
			d := e.srv.Deps
			d.Log = slog.New(slog.NewTextHandler(&log, nil))
			e.srv = New(d)

			check := func(what string, r resp) {
				t.Helper()
				wantProblem(t, r, http.StatusUnprocessableEntity, "policy_error")
				detail, _ := r.JSON(t)["detail"].(string)
				for _, part := range []string{`stage "range_safety"`, "could not be evaluated", r.Header.Get("X-Request-Id")} {
					if !strings.Contains(detail, part) {
						t.Errorf("%s: detail %q does not say %q", what, detail, part)
					}
				}
				for _, secret := range []string{"vessels", "policy.yaml", "division"} {
					if strings.Contains(detail, secret) {
						t.Errorf("%s: detail %q shows %q", what, detail, secret)
					}
				}
				if !strings.Contains(log.String(), "request.vessels.total") || !strings.Contains(log.String(), r.Header.Get("X-Request-Id")) {
					t.Errorf("%s: the log does not name the condition with the request id:\n%s", what, log.String())
				}
			}
			check("dry run", e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", draft()))
			check("approver's dry run", e.do("ops", http.MethodPost, "/api/v1/policy/evaluate", with(draft(), "nation", "NO")))

			id, tag := e.create("lo-no", draft())
			entries := e.auditCount(id)
			check("submit", e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag))
			r := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
			want(t, r, http.StatusOK)
			if got := r.JSON(t); got["status"] != "draft" || r.Header.Get("ETag") != tag || got["route"] != nil {
				t.Errorf("after the failed submit: status %v, ETag %s, route %v; want the draft unchanged", got["status"], r.Header.Get("ETag"), got["route"])
			}
			if n := e.auditCount(id); n != entries {
				t.Errorf("the failed submit wrote %d audit entries", n-entries)
			}
		})
	}
}
