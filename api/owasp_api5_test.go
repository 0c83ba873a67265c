package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"exaccess/api/auth/authtest"
	"exaccess/domain"
)

// OWASP API5:2023 Broken Function Level Authorization. TestRoleMatrix
// (access_test.go) calls every route of the table as every role with the
// server's own tokens. These tests add what it does not cover: the same
// matrix with tokens of an external identity provider, and requests that
// try to reach a function by another method or spelling.

// TestAPI5RoleMatrixWithIdPTokens: IdP principals pass exactly the same
// declarations as local ones; generated from the route table.
func TestAPI5RoleMatrixWithIdPTokens(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/api5.db")
	stand := authtest.NewIdP(t)
	e.withIdP(stand)
	id, _ := e.create("lo-no", draft())
	// withIdP allows liaison_officer, hns_officer and auditor.
	users := map[domain.Role]string{domain.RoleLiaison: "idp-lo-no", domain.RoleHNS: "idp-hns"}
	e.tokens["idp-auditor"] = stand.Sign(t, authtest.KidRSA, stand.Claims(testNow, "eva", "auditor"))
	users[domain.RoleAuditor] = "idp-auditor"
	for _, rt := range e.srv.routes() {
		path := strings.ReplaceAll(rt.path, ":id", id)
		for role, user := range users {
			r := e.do(user, rt.method, path, nil)
			allowed := rt.access.public || rt.access.signed || slices.Contains(rt.access.roles, role)
			if r.Status == 401 || allowed == (r.Status == 403) {
				t.Errorf("%s %s as IdP %s: status %d, allowed=%v", rt.method, rt.path, role, r.Status, allowed)
			}
		}
	}
}

// TestAPI5NoBackDoors: override headers are ignored (the answer is the
// one without them), and other spellings of a path or other methods reach
// nothing.
func TestAPI5NoBackDoors(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/backdoor.db")
	id, tag := e.create("lo-no", draft())
	overrides := []call{
		{as: "admin", method: http.MethodPost, path: "/api/v1/requests", headers: []string{"X-HTTP-Method-Override", "GET"}},
		{as: "admin", method: http.MethodGet, path: "/api/v1/nations", headers: []string{"X-Original-URL", "/api/v1/requests/" + id, "X-Rewrite-URL", "/api/v1/requests"}},
		{as: "auditor", method: http.MethodGet, path: "/api/v1/requests/" + id, headers: []string{"X-HTTP-Method-Override", "POST", "X-HTTP-Method", "DELETE", "X-Method-Override", "PATCH"}},
		{as: "hns", method: http.MethodPost, path: "/api/v1/requests/" + id + "/revoke", headers: []string{"If-Match", tag, "X-HTTP-Method-Override", "GET"}},
	}
	for _, c := range overrides {
		plain := c
		plain.headers = nil
		got, base := e.send(c), e.send(plain)
		if got.Status != base.Status || string(got.Body) != string(base.Body) {
			t.Errorf("%s %s with %v: %d, without: %d", c.method, c.path, c.headers, got.Status, base.Status)
		}
	}
	for _, c := range []call{
		{as: "admin", method: http.MethodGet, path: "/api/v1/requests/"},
		{as: "admin", method: http.MethodGet, path: "/API/V1/REQUESTS"},
		{as: "admin", method: http.MethodGet, path: "//api/v1/requests"},
		{as: "admin", method: http.MethodGet, path: "/api/v1/./requests"},
		{as: "admin", method: http.MethodGet, path: "/api/v1%2Frequests"},
		{as: "admin", method: http.MethodHead, path: "/api/v1/requests"},
		{as: "lo-no", method: http.MethodHead, path: "/api/v1/queue"},
		{as: "lo-no", method: http.MethodDelete, path: "/api/v1/requests/" + id, headers: []string{"If-Match", tag}},
		{as: "lo-no", method: http.MethodPut, path: "/api/v1/requests/" + id, headers: []string{"If-Match", tag}},
	} {
		c.offSpec = true
		if r := e.send(c); r.Status != 404 && r.Status != 405 {
			t.Errorf("%s %s as %s: %d %s", c.method, c.path, c.as, r.Status, r.Body)
		}
	}
}
