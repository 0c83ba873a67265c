package api

import (
	"net/http"
	"testing"
)

// TestRequestByReference: GET /api/v1/requests/{reference} and ?reference=
// find a request by its human reference under the need-to-know rules:
// another nation's reference answers exactly as a reference nobody holds.
func TestRequestByReference(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, _ := e.submitted(draft())
		ref := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)["reference"].(string)
		for _, who := range []string{"lo-no", "lo-no2", "ops", "auditor"} {
			r := e.do(who, http.MethodGet, "/api/v1/requests/"+ref, nil)
			want(t, r, 200)
			if r.JSON(t)["id"] != id {
				t.Errorf("%s by reference: %s", who, r.Body)
			}
		}
		foreign := e.do("lo-de", http.MethodGet, "/api/v1/requests/"+ref, nil)
		wantProblem(t, foreign, 404, "not_found")
		missing := e.do("lo-de", http.MethodGet, "/api/v1/requests/SE-2026-EXA-999999", nil)
		wantProblem(t, missing, 404, "not_found")
		if detail(t, foreign) != detail(t, missing) {
			t.Errorf("another nation's reference and a missing one differ: %s / %s", foreign.Body, missing.Body)
		}
		wantProblem(t, e.do("admin", http.MethodGet, "/api/v1/requests/"+ref, nil), 403, "forbidden")
		// The history by reference is the request's history.
		h := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+ref+"/history", nil)
		want(t, h, 200)
		if n := len(h.JSON(t)["items"].([]any)); n != 2 {
			t.Errorf("history by reference has %d entries, want 2", n)
		}
		// The list filter, scoped to the caller's nation as always.
		for who, n := range map[string]int{"lo-no": 1, "ops": 1, "lo-de": 0} {
			l := e.do(who, http.MethodGet, "/api/v1/requests?reference="+ref, nil)
			want(t, l, 200)
			if got := len(l.JSON(t)["items"].([]any)); got != n {
				t.Errorf("%s lists %d with ?reference=, want %d", who, got, n)
			}
		}
		wantProblem(t, e.do("ops", http.MethodGet, "/api/v1/requests?reference=SE-26-1", nil), 422, "invalid", "reference")
	})
}
