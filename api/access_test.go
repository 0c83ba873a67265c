package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/labstack/echo/v4"
)

// TestRegisterRefusesUndeclaredRoute: a route without an access declaration
// cannot be registered at all.
func TestRegisterRefusesUndeclaredRoute(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a route without an access declaration was registered")
		}
	}()
	s := &Server{}
	s.register(echo.New(), []route{{http.MethodGet, "/api/v1/secret", access{}, func(echo.Context) error { return nil }}})
}

// TestEveryServedRouteIsInTheTable: what Echo serves is exactly the table,
// so nothing can be served without a declaration.
func TestEveryServedRouteIsInTheTable(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/routes.db")
	table := map[string]bool{}
	for _, r := range e.srv.routes() {
		if !r.access.declared() {
			t.Errorf("%s %s declares no access", r.method, r.path)
		}
		table[r.method+" "+r.path] = true
	}
	for _, r := range e.srv.Routes() {
		if !table[r.Method+" "+r.Path] {
			t.Errorf("served route %s %s is not in the route table", r.Method, r.Path)
		}
	}
}

// TestRoleMatrix calls every route as every role (and as nobody) and checks
// that exactly the declared roles get past authorization. It is generated
// from the route table, so a new route is covered the day it is added.
func TestRoleMatrix(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/matrix.db")
	id, _ := e.create("lo-no", draft())
	users := map[domain.Role]string{domain.RoleLiaison: "lo-no", domain.RoleHNS: "hns", domain.RoleRange: "range",
		domain.RoleOperations: "ops", domain.RoleMinistry: "gov", domain.RoleAuditor: "auditor", domain.RoleAdmin: "admin"}
	for _, rt := range e.srv.routes() {
		path := strings.ReplaceAll(rt.path, ":id", id)
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			anon := e.do("", rt.method, path, nil)
			if rt.access.public == (anon.Status == 401) {
				t.Errorf("anonymous: status %d (public=%v)", anon.Status, rt.access.public)
			}
			for role, user := range users {
				r := e.do(user, rt.method, path, nil)
				allowed := rt.access.public || rt.access.signed || slices.Contains(rt.access.roles, role)
				if r.Status == 401 {
					t.Errorf("%s: 401 with a valid token", role)
				}
				if allowed == (r.Status == 403) {
					t.Errorf("%s: status %d, allowed=%v: %s", role, r.Status, allowed, r.Body)
				}
			}
		})
	}
}

func TestSecurityHeadersAndProblems(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/headers.db")
	for _, path := range []string{"/api/v1/me", "/api/v1/nowhere", "/.well-known/jwks.json"} {
		r := e.do("lo-no", http.MethodGet, path, nil)
		h := r.Header
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") ||
			h.Get("Referrer-Policy") != "no-referrer" || h.Get("X-Request-Id") == "" || h.Get("Server") != "" {
			t.Errorf("%s: headers %v", path, h)
		}
	}
	wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/nowhere", nil), 404, "not_found")
	wantProblem(t, e.do("lo-no", http.MethodDelete, "/api/v1/requests", nil), 405, "method_not_allowed")
	wantProblem(t, e.do("", http.MethodGet, "/api/v1/me", nil, "Authorization", "Bearer "+strings.Repeat(".", 1<<20)), 401, "unauthorized")
	wantProblem(t, e.do("", http.MethodGet, "/api/v1/me", nil, "Authorization", "Basic Zm9vOmJhcg=="), 401, "unauthorized")
	jwks := e.do("", http.MethodGet, "/.well-known/jwks.json", nil)
	want(t, jwks, 200)
	if !strings.Contains(string(jwks.Body), `"kty":"OKP"`) {
		t.Errorf("jwks = %s", jwks.Body)
	}
	spec := e.do("", http.MethodGet, "/api/v1/openapi.yaml", nil)
	want(t, spec, 200)
	if !strings.HasPrefix(string(spec.Body), "openapi: 3") {
		t.Errorf("openapi.yaml starts %q", spec.Body[:min(20, len(spec.Body))])
	}
	for _, path := range []string{"/api/v1/nations", "/api/v1/training-areas", "/api/v1/entry-points"} {
		r := e.do("admin", http.MethodGet, path, nil)
		want(t, r, 200)
		if len(r.JSON(t)["items"].([]any)) < 15 {
			t.Errorf("%s lists too little: %s", path, r.Body)
		}
	}
}

// TestRefusalAuditingDeclaredOnEveryRequestRoute: every route on one request
// (an :id under /api/v1/requests) declares onRequest, so that refused
// attempts on it reach the audit log; no other route does.
func TestRefusalAuditingDeclaredOnEveryRequestRoute(t *testing.T) {
	for _, r := range (&Server{}).routes() {
		onRequest := strings.HasPrefix(r.path, "/api/v1/requests/:id")
		if r.access.onRequest != onRequest {
			t.Errorf("%s %s: onRequest = %v, want %v", r.method, r.path, r.access.onRequest, onRequest)
		}
	}
}
