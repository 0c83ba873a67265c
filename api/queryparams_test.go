package api

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestUnknownQueryParametersRefused: on every route of the table, a query
// parameter the OpenAPI document does not declare for it answers 422 naming
// it, for a caller the route admits; declared ones still work.
func TestUnknownQueryParametersRefused(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/query.db")
	users := map[domain.Role]string{domain.RoleLiaison: "lo-no", domain.RoleHNS: "hns", domain.RoleRange: "range",
		domain.RoleOperations: "ops", domain.RoleMinistry: "gov", domain.RoleAuditor: "auditor", domain.RoleAdmin: "admin"}
	param := regexp.MustCompile(`:[^/]+`)
	for _, rt := range e.srv.routes() {
		as := ""
		switch {
		case len(rt.access.roles) > 0:
			as = users[rt.access.roles[0]]
		case rt.access.signed:
			as = "lo-no"
		}
		path := param.ReplaceAllString(rt.path, "x") + "?zz_unknown=1&limit=5&Limit=6"
		r := e.send(call{as: as, method: rt.method, path: path})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"zz_unknown"`) || !strings.Contains(string(r.Body), `"field":"Limit"`) {
			t.Errorf("%s %s: %d %s", rt.method, rt.path, r.Status, r.Body)
		}
		if strings.Contains(string(r.Body), `"field":"limit"`) == pagedRoute(e, rt.method, rt.path) {
			t.Errorf("%s %s: limit named wrongly: %s", rt.method, rt.path, r.Body)
		}
	}
	// A misspelt filter no longer lists everything; the right one works.
	wantProblem(t, e.do("ops", http.MethodGet, "/api/v1/requests?stauts=in_review", nil), 422, "invalid", "stauts")
	want(t, e.do("ops", http.MethodGet, "/api/v1/requests?status=in_review", nil), 200)
	wantProblem(t, e.do("hns", http.MethodGet, "/api/v1/queue?overdue=true&rol=hns_officer", nil), 422, "invalid", "rol")
}

// pagedRoute reports whether the route declares limit (a paged list).
func pagedRoute(e *env, method, path string) bool {
	params, err := queryParams(e.srv.OpenAPI)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, p := range e.srv.declaredQuery(params, method, path) {
		if p == "limit" {
			return true
		}
	}
	return false
}

// TestBadCursorNamed: every list that takes a cursor (every route declaring
// the query parameter cursor, ten of them) refuses one it did not issue
// with 422 naming the parameter and saying what to do, through one reader
// (cursor in list.go).
func TestBadCursorNamed(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/cursor.db")
	users := map[domain.Role]string{domain.RoleLiaison: "lo-no", domain.RoleHNS: "hns", domain.RoleAuditor: "auditor", domain.RoleAdmin: "admin"}
	params, err := queryParams(e.srv.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rt := range e.srv.routes() {
		if !slices.Contains(e.srv.declaredQuery(params, rt.method, rt.path), "cursor") {
			continue
		}
		n++
		as := "lo-no"
		if len(rt.access.roles) > 0 {
			as = users[rt.access.roles[0]]
		}
		for _, bad := range []string{"x", "-1", strings.Repeat("A", 300)} {
			r := e.do(as, rt.method, rt.path+"?cursor="+bad, nil)
			wantProblem(t, r, 422, "invalid", "cursor")
			if !strings.Contains(string(r.Body), badCursor) {
				t.Errorf("%s %s?cursor=%.10s: %s does not say %q", rt.method, rt.path, bad, r.Body, badCursor)
			}
		}
	}
	if n != 10 {
		t.Errorf("%d routes take a cursor, want 10 (requests, queue, users, notifications, audit events and checkpoints, a request's history, delegations, webhooks, own webhooks)", n)
	}
}
