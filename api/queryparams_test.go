package api

import (
	"net/http"
	"regexp"
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
		r := e.send(call{as: as, method: rt.method, path: path, offSpec: true})
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
