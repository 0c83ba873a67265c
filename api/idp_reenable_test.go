package api

import (
	"net/http"
	"testing"
	"time"

	"exaccess/api/auth/authtest"
	"exaccess/domain"
)

// TestIdPTokenFromBeforeADisableStaysRefused: an administrator disables an
// account of the identity provider (its token was stolen) and enables it
// again; a token of the provider issued before the disable stays refused,
// in this process and in a fresh one, and one asserting other claims writes
// nothing to the account. A token the provider issues after the disable
// works. (A review found the old token working again after the enable: the
// generation that ends a local account's tokens is not in the provider's.)
func TestIdPTokenFromBeforeADisableStaysRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		e.tokens["kari"] = idpLiaison(t, stand, testNow.Add(-time.Minute), "kari", "NO")
		e.tokens["kari-de"] = idpLiaison(t, stand, testNow.Add(-30*time.Second), "kari", "DE")
		e.tokens["kari-fresh"] = idpLiaison(t, stand, testNow.Add(10*time.Second), "kari", "NO")
		want(t, e.do("kari", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		id := e.accountOf("idp:kari").ID
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/disable", map[string]any{"reason": "token stolen"}), http.StatusOK)
		wantProblem(t, e.do("kari", http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/enable", map[string]any{"reason": "provider reset her credentials"}), http.StatusOK)
		refused := func(where string) {
			t.Helper()
			for _, tok := range []string{"kari", "kari-de"} {
				if r := e.do(tok, http.MethodGet, "/api/v1/me", nil); r.Status != http.StatusUnauthorized {
					t.Errorf("%s: token %s, issued before the disable, answers %d after the enable, want 401", where, tok, r.Status)
				}
			}
			if got := e.accountOf("idp:kari").Nation; got != "NO" {
				t.Errorf("%s: a token from before the disable wrote the nation %s to the account", where, got)
			}
		}
		refused("the same process")
		e.rebuild(func(d *Deps) { d.Principals = domain.NewAccountCache(e.db) })
		refused("a fresh process")
		want(t, e.do("kari-fresh", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		refused("after a fresh token")
	})
}

// TestIdPTokenOfTheDisablesSecondStaysRefused: iat counts whole seconds, so
// a token issued in the second of the disable cannot be told from one
// issued before it: it is refused after the enable; one issued the next
// second works.
func TestIdPTokenOfTheDisablesSecondStaysRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		e.tokens["kari-same"] = idpLiaison(t, stand, testNow, "kari", "NO")
		e.tokens["kari-next"] = idpLiaison(t, stand, testNow.Add(time.Second), "kari", "NO")
		want(t, e.do("kari-same", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		id := e.accountOf("idp:kari").ID
		e.clock = func() time.Time { return testNow.Add(900 * time.Millisecond) }
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/disable", map[string]any{"reason": "token stolen"}), http.StatusOK)
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/enable", map[string]any{"reason": "provider reset her credentials"}), http.StatusOK)
		wantProblem(t, e.do("kari-same", http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		want(t, e.do("kari-next", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
	})
}
