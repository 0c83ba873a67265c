package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth/authtest"
	"exaccess/domain"
)

// idpLiaison signs a token of the stand-in provider for the liaison officer
// sub of nation, issued at iat.
func idpLiaison(t *testing.T, stand *authtest.IdP, iat time.Time, sub, nation string) string {
	t.Helper()
	c := stand.Claims(iat, sub, "liaison_officer")
	c["nation"] = nation
	return stand.Sign(t, authtest.KidRSA, c)
}

// accountOf is the stored account of username.
func (e *env) accountOf(username string) *domain.User {
	e.t.Helper()
	u, err := e.db.GetUserByUsername(context.Background(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// providerChanges counts the audited changes of username's account that the
// identity provider's claims made.
func (e *env) providerChanges(username string) int {
	e.t.Helper()
	entries, err := e.db.ListAudit(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	n := 0
	for _, en := range entries {
		if en.Action == domain.AuditUserUpdated && en.Actor == domain.SystemActor && en.Data["username"] == username {
			n++
		}
	}
	return n
}

// TestIdPMoveBackIsRecorded: the provider moves kari from Norway to Germany
// and back; each move is recorded on the account when her newer token is
// used, the move back too (a set of claims this process has seen before).
// Notifications follow the account: after the move back, Germany's new
// request tells her nothing and Norway's tells her.
func TestIdPMoveBackIsRecorded(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		e.tokens["kari-no"] = idpLiaison(t, stand, testNow.Add(-2*time.Minute), "kari", "NO")
		e.tokens["kari-de"] = idpLiaison(t, stand, testNow.Add(-time.Minute), "kari", "DE")
		e.tokens["kari-no-again"] = idpLiaison(t, stand, testNow, "kari", "NO")
		for _, step := range []struct{ token, nation string }{
			{"kari-no", "NO"}, {"kari-de", "DE"}, {"kari-no-again", "NO"},
		} {
			want(t, e.do(step.token, http.MethodGet, "/api/v1/me", nil), http.StatusOK)
			if got := e.accountOf("idp:kari").Nation; got != step.nation {
				t.Fatalf("after %s: the account's nation is %s, want %s", step.token, got, step.nation)
			}
		}
		if n := e.providerChanges("idp:kari"); n != 2 {
			t.Errorf("%d audited changes by the provider, want 2 (to Germany, back to Norway)", n)
		}
		everything := []string{domain.ChannelInbox, domain.ChannelEmail, domain.ChannelWebhook}
		de, tag := e.create("lo-de", draft())
		want(t, e.do("lo-de", http.MethodPost, "/api/v1/requests/"+de+"/submit", nil, "If-Match", tag), http.StatusOK)
		if rows := e.outboxOf(de, "idp:kari", everything...); len(rows) != 0 {
			t.Errorf("kari, back in Norway, is told of Germany's request: %d rows (%s %s)", len(rows), rows[0].Channel, rows[0].Kind)
		}
		no, tag := e.create("lo-no", draft())
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+no+"/submit", nil, "If-Match", tag), http.StatusOK)
		if rows := e.outboxOf(no, "idp:kari", everything...); len(rows) == 0 {
			t.Errorf("kari, back in Norway, is not told of Norway's request")
		}
		wantProblem(t, e.do("kari-no-again", http.MethodGet, "/api/v1/requests/"+de, nil), http.StatusNotFound, "not_found")
	})
}

// TestIdPOlderTokenCannotUndoAMove: a token issued before the provider's
// latest assertion for the account, and asserting other claims, is refused
// (401, sign in again) rather than written back: in the process that
// recorded the move, in another (a replica, a restart) that never saw the
// older token's claims, and after the account's state is reloaded. An older
// token with the claims the account holds still works; so does the newer one.
func TestIdPOlderTokenCannotUndoAMove(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		e.tokens["kari-old"] = idpLiaison(t, stand, testNow.Add(-5*time.Minute), "kari", "NO")
		e.tokens["kari-old-de"] = idpLiaison(t, stand, testNow.Add(-4*time.Minute), "kari", "DE")
		e.tokens["kari-new"] = idpLiaison(t, stand, testNow, "kari", "DE")
		want(t, e.do("kari-old", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		want(t, e.do("kari-new", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if got := e.accountOf("idp:kari").Nation; got != "DE" {
			t.Fatalf("after the newer token: %s, want DE", got)
		}
		refused := func(where string) {
			t.Helper()
			r := e.do("kari-old", http.MethodGet, "/api/v1/me", nil)
			wantProblem(t, r, http.StatusUnauthorized, "unauthorized")
			if !strings.Contains(string(r.Body), "sign in again") {
				t.Errorf("%s: the refusal does not say what to do: %s", where, r.Body)
			}
			if got := e.accountOf("idp:kari").Nation; got != "DE" {
				t.Fatalf("%s: the older token wrote the account back to %s", where, got)
			}
		}
		refused("the same process")
		e.rebuild(func(d *Deps) { d.Principals = domain.NewAccountCache(e.db) })
		refused("a fresh process")
		// Older, but with the claims the account holds: nothing to undo.
		want(t, e.do("kari-old-de", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		want(t, e.do("kari-new", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if n := e.providerChanges("idp:kari"); n != 1 {
			t.Errorf("%d audited changes by the provider, want 1 (to Germany)", n)
		}
	})
}

// TestIdPNewerTokenWithTheSameClaimsCounts: a newer token asserting what
// the account holds moves the account's mark on, so that a token issued
// between the two, asserting something else, cannot rewrite the account
// afterwards (the provider moved kari away and back before the middle
// token reached the server).
func TestIdPNewerTokenWithTheSameClaimsCounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		e.tokens["kari-no"] = idpLiaison(t, stand, testNow.Add(-2*time.Minute), "kari", "NO")
		e.tokens["kari-de"] = idpLiaison(t, stand, testNow.Add(-time.Minute), "kari", "DE")
		e.tokens["kari-no-again"] = idpLiaison(t, stand, testNow, "kari", "NO")
		want(t, e.do("kari-no", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if u := e.accountOf("idp:kari"); !u.ClaimsIssuedAt.Equal(testNow.Add(-2 * time.Minute)) {
			t.Fatalf("the new account's mark is %v, want its first token's %v", u.ClaimsIssuedAt, testNow.Add(-2*time.Minute))
		}
		want(t, e.do("kari-no-again", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if u := e.accountOf("idp:kari"); !u.ClaimsIssuedAt.Equal(testNow) {
			t.Fatalf("the account's mark is %v, want the newer token's %v", u.ClaimsIssuedAt, testNow)
		}
		wantProblem(t, e.do("kari-de", http.MethodGet, "/api/v1/me", nil), http.StatusUnauthorized, "unauthorized")
		if got := e.accountOf("idp:kari").Nation; got != "NO" {
			t.Fatalf("the token from between wrote the account to %s", got)
		}
		if n := e.providerChanges("idp:kari"); n != 0 {
			t.Errorf("%d audited changes by the provider, want none", n)
		}
	})
}
