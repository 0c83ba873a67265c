package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestIdempotencyKeyRefusedWhereTheAnswerHoldsASecret: the creating POSTs
// whose answer shows a secret once — an account's one-time password, a
// webhook's secret — keep no first answer to replay, so an Idempotency-Key
// on them is refused with 422 naming the header, saying why and what to do
// instead, and nothing is created. They used to ignore it: the review's
// retry with "Idempotency-Key: w1" registered a second webhook with another
// secret, and a retried user create answered 422 "already exists" without
// the one-time password. A key on a retry after a create without one is
// refused too (it replays nothing), and without a key they create as before.
func TestIdempotencyKeyRefusedWhereTheAnswerHoldsASecret(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		cases := []struct {
			as, path string
			body     map[string]any
			list     string // where the created things are listed
			instead  string // the detail names what to do instead
		}{
			{"admin", "/api/v1/users", map[string]any{"username": "range3", "roles": []string{"range_officer"}},
				"/api/v1/users?limit=200", "reset its password (POST /api/v1/users/{id}/reset-password)"},
			{"range", "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/range"},
				"/api/v1/me/webhooks", "list your webhooks (GET /api/v1/me/webhooks) and revoke the one"},
			{"admin", "/api/v1/webhooks", map[string]any{"url": "https://hooks.example/ranges", "role": "range_officer"},
				"/api/v1/webhooks", "list the role webhooks (GET /api/v1/webhooks) and revoke the one"},
		}
		for _, c := range cases {
			count := func() int {
				t.Helper()
				r := e.do(c.as, http.MethodGet, c.list, nil)
				want(t, r, http.StatusOK)
				return len(r.JSON(t)["items"].([]any))
			}
			refused := func() {
				t.Helper()
				r := e.do(c.as, http.MethodPost, c.path, c.body, "Idempotency-Key", "w1")
				wantProblem(t, r, http.StatusUnprocessableEntity, "invalid", "Idempotency-Key")
				detail, _ := r.JSON(t)["detail"].(string)
				for _, s := range []string{"POST " + c.path + " takes no Idempotency-Key", "shown once and not kept for a replay",
					"nothing was created", "without the header", c.instead} {
					if !strings.Contains(detail, s) {
						t.Errorf("POST %s: the detail does not say %q: %s", c.path, s, detail)
					}
				}
				if r.Header.Get("Idempotent-Replayed") != "" || strings.Contains(string(r.Body), "secret\"") ||
					strings.Contains(string(r.Body), "one_time_password\"") {
					t.Errorf("POST %s: %v %s", c.path, r.Header, r.Body)
				}
			}
			before := count()
			refused()
			refused() // the review's retry
			if n := count(); n != before {
				t.Fatalf("POST %s with a key: %d created", c.path, n-before)
			}
			created := e.do(c.as, http.MethodPost, c.path, c.body)
			want(t, created, http.StatusCreated)
			refused() // a key on a retry does not replay the keyless first answer either
			if n := count(); n != before+1 {
				t.Fatalf("POST %s: %d created, want 1", c.path, n-before)
			}
		}
		// An empty header is no key, as on the routes that replay.
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/range2"},
			"Idempotency-Key", ""), http.StatusCreated)
	})
}

// TestEveryCreatingPostReplaysOrRefusesItsKey: every POST of the route
// table is one of three kinds, and docs/openapi.yaml says which: it creates
// and replays a retry's first response (the IdempotencyKey parameter), it
// creates an answer holding a secret shown once and refuses the key
// (IdempotencyKeyRefused), or it creates nothing — a sign-in, a change of
// state or of a password, an evaluation — and declares no key. A POST added
// to the table must be placed here, so that none ignores a key silently.
func TestEveryCreatingPostReplaysOrRefusesItsKey(t *testing.T) {
	const (
		replays = "#/components/parameters/IdempotencyKey"
		refuses = "#/components/parameters/IdempotencyKeyRefused"
		nothing = ""
	)
	kinds := map[string]string{
		"/api/v1/requests":                  replays,
		"/api/v1/requests/:id/decisions":    replays,
		"/api/v1/frameworks":                replays,
		"/api/v1/delegations":               replays,
		"/api/v1/users":                     refuses,
		"/api/v1/me/webhooks":               refuses,
		"/api/v1/webhooks":                  refuses,
		"/api/v1/auth/token":                nothing,
		"/api/v1/requests/:id/submit":       nothing,
		"/api/v1/requests/:id/withdraw":     nothing,
		"/api/v1/requests/:id/revoke":       nothing,
		"/api/v1/policy/evaluate":           nothing,
		"/api/v1/users/:id/disable":         nothing,
		"/api/v1/users/:id/enable":          nothing,
		"/api/v1/users/:id/reset-password":  nothing,
		"/api/v1/me/password":               nothing,
		"/api/v1/me/notifications/read-all": nothing,
		"/api/v1/me/notifications/:id/read": nothing,
	}
	doc := loadSpec(t)
	seen := map[string]bool{}
	for _, r := range (&Server{}).routes() {
		if r.method != http.MethodPost {
			continue
		}
		seen[r.path] = true
		kind, ok := kinds[r.path]
		if !ok {
			t.Errorf("POST %s: not placed: does it replay an Idempotency-Key, refuse it, or create nothing?", r.path)
			continue
		}
		declared := nothing
		for _, p := range doc.Paths.Value(openAPIPath(r.path)).Post.Parameters {
			if p.Value != nil && p.Value.In == "header" && strings.EqualFold(p.Value.Name, "Idempotency-Key") {
				declared = p.Ref
			}
		}
		if declared != kind {
			t.Errorf("POST %s: docs/openapi.yaml declares Idempotency-Key as %q, want %q", r.path, declared, kind)
		}
	}
	for path := range kinds {
		if !seen[path] {
			t.Errorf("POST %s is placed here but not in the route table", path)
		}
	}
}
