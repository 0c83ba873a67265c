package api

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

// OWASP API1:2023 Broken Object Level Authorization. Germany's liaison
// officer knows (or guesses) the id of Norway's request and tries every way
// to reach it. Each probe must answer exactly as for an id that does not
// exist — same status, same code, same detail, no ETag — so that not even
// existence leaks; lists and cursors never carry Norway's requests.
func TestAPI1ObjectLevelAuthorization(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", "checked"), 200)
		tag = `"3"`
		missing := "01900000-0000-7000-8000-000000000000"
		probes := []struct {
			name, method, path string
			body               any
			headers            []string
			status             int
			code               string
		}{
			{"read", http.MethodGet, "/api/v1/requests/{id}", nil, nil, 404, "not_found"},
			{"conditional read", http.MethodGet, "/api/v1/requests/{id}", nil, []string{"If-None-Match", tag}, 404, "not_found"},
			{"history", http.MethodGet, "/api/v1/requests/{id}/history", nil, nil, 404, "not_found"},
			{"patch", http.MethodPatch, "/api/v1/requests/{id}", map[string]any{"purpose": "hijacked"}, []string{"If-Match", tag}, 404, "not_found"},
			{"patch without If-Match", http.MethodPatch, "/api/v1/requests/{id}", map[string]any{"purpose": "x"}, nil, 428, "precondition_required"},
			{"submit", http.MethodPost, "/api/v1/requests/{id}/submit", nil, []string{"If-Match", tag}, 404, "not_found"},
			{"withdraw", http.MethodPost, "/api/v1/requests/{id}/withdraw", map[string]any{"reason": "x"}, []string{"If-Match", tag}, 404, "not_found"},
			// Routes a liaison officer may not call at all answer 403 before
			// any lookup, for existing and missing ids alike.
			{"decide", http.MethodPost, "/api/v1/requests/{id}/decisions", map[string]any{"stage": "operations", "outcome": "reject", "comment": "x"}, []string{"If-Match", tag}, 403, "forbidden"},
			{"revoke", http.MethodPost, "/api/v1/requests/{id}/revoke", map[string]any{"reason": "x"}, []string{"If-Match", tag}, 403, "forbidden"},
		}
		for _, p := range probes {
			t.Run(p.name, func(t *testing.T) {
				got := e.do("lo-de", p.method, strings.ReplaceAll(p.path, "{id}", id), p.body, p.headers...)
				wantProblem(t, got, p.status, p.code)
				ghost := e.do("lo-de", p.method, strings.ReplaceAll(p.path, "{id}", missing), p.body, p.headers...)
				if got.Status != ghost.Status || detail(t, got) != detail(t, ghost) || got.Header.Get("ETag") != "" {
					t.Errorf("Norway's request and a missing one differ:\n%s\n%s", got.Body, ghost.Body)
				}
			})
		}
		if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t); got["purpose"] == "hijacked" || got["status"] != "in_review" {
			t.Fatalf("the probes changed Norway's request: %v", got)
		}
	})
}

// TestAPI1ListsAndCursors: Germany's lists hold only German requests,
// whatever filter or cursor is sent; a cursor is only a position, and the
// nation is applied afresh on every page.
func TestAPI1ListsAndCursors(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var norway []string
		for range 3 {
			id, _ := e.submitted(draft())
			norway = append(norway, id)
		}
		german, _ := e.create("lo-de", draft())
		cursorAfter := func(id string) string { return encodeCursor(id) }
		forged := func(raw string) string { return base64.RawURLEncoding.EncodeToString([]byte(raw)) }
		for _, q := range []string{
			"", "?nation=NO", "?nation=no", "?status=in_review", "?area=ravlunda", "?limit=200",
			"?cursor=" + cursorAfter(norway[0]), "?cursor=" + cursorAfter("ffffffff-ffff-7fff-bfff-ffffffffffff"),
			"?cursor=" + cursorAfter(german) + "&nation=NO", "?cursor=" + forged("r1:~"),
		} {
			r := e.do("lo-de", http.MethodGet, "/api/v1/requests"+q, nil)
			want(t, r, 200)
			for _, it := range r.JSON(t)["items"].([]any) {
				if n := it.(map[string]any)["nation"]; n != "DE" {
					t.Errorf("%q: lo-de lists a request of %v", q, n)
				}
			}
		}
		if items := e.do("lo-de", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != german {
			t.Fatalf("lo-de's own list: %v", items)
		}
		for _, bad := range []string{forged("r1:' OR 1=1 --"), forged("r2:" + norway[0]), "%00", strings.Repeat("A", 200), forged("q1|2026-01-01T00:00:00Z|x|y")} {
			wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests?cursor="+bad, nil), 422, "invalid", "cursor")
		}
		// The dry run evaluates for the caller's own nation only.
		wantProblem(t, e.do("lo-de", http.MethodPost, "/api/v1/policy/evaluate", with(draft(), "nation", "NO")), 422, "invalid", "nation")
		// Paths that try to step out of the id segment find nothing.
		for _, p := range []string{"/api/v1/requests/" + norway[0] + "%2Fhistory", "/api/v1/requests/..%2F" + norway[0], "/api/v1/requests/" + strings.ToUpper(norway[0])} {
			if r := e.do("lo-de", http.MethodGet, p, nil); r.Status != 404 {
				t.Errorf("%s: status %d", p, r.Status)
			}
		}
	})
}

// detail is a problem's detail, which must not differ between "exists but
// not yours" and "does not exist".
func detail(t testing.TB, r resp) string {
	t.Helper()
	d, _ := r.JSON(t)["detail"].(string)
	return d
}

// TestAPI1AuditLogClosedToNations: the audit log and its exports span every
// nation, so no liaison officer reads them at all — not even filtered.
func TestAPI1AuditLogClosedToNations(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/auditlog.db")
	id, _ := e.submitted(draft())
	for _, path := range []string{"/api/v1/audit/events", "/api/v1/audit/events?request_id=" + id, "/api/v1/audit/export", "/api/v1/audit/checkpoint"} {
		for _, who := range []string{"lo-de", "lo-no"} {
			wantProblem(t, e.do(who, http.MethodGet, path, nil), 403, "forbidden")
		}
	}
}
