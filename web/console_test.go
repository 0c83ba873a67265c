package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"exaccess/api"
	"exaccess/domain"
)

// TestSignInAndOut: a wrong password is refused on the page; a right one
// starts a server-side session in an HttpOnly, SameSite=Lax cookie; signing
// out ends it on the server, so a copied cookie no longer works.
func TestSignInAndOut(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client()
		bad := c.post("/sign-in", url.Values{"username": {"lo-no"}, "password": {"wrong"}})
		wantStatus(t, bad, http.StatusUnauthorized)
		if !strings.Contains(bad.Doc.Find(".error-summary").Text(), "Wrong username or password") {
			t.Fatal("no error summary for a wrong password")
		}
		if v, _ := bad.Doc.Find("#f-username").Attr("value"); v != "lo-no" {
			t.Fatalf("username not kept: %q", v)
		}
		ok := c.post("/sign-in", url.Values{"username": {"lo-no"}, "password": {testPassword}, "next": {"/requests"}})
		if ok.Status != http.StatusSeeOther || ok.Header.Get("Location") != "/requests" {
			t.Fatalf("sign-in: %d to %q", ok.Status, ok.Header.Get("Location"))
		}
		ck := ok.Header.Values("Set-Cookie")
		if len(ck) != 1 || !strings.Contains(ck[0], "HttpOnly") || !strings.Contains(ck[0], "SameSite=Lax") ||
			strings.Contains(ck[0], "Secure") || !strings.HasPrefix(ck[0], cookiePlain+"=") {
			t.Fatalf("session cookie %q", ck)
		}
		mine := c.get("/requests")
		wantStatus(t, mine, http.StatusOK)
		if mine.Doc.Find("h1").Text() != "My requests" {
			t.Fatalf("h1 %q", mine.Doc.Find("h1").Text())
		}
		stolen := *c.http.Jar.Cookies(mustURL(e.srv.URL))[0]
		out := c.post("/sign-out", url.Values{})
		if out.Status != http.StatusSeeOther || out.Header.Get("Location") != "/sign-in?out=1" {
			t.Fatalf("sign-out: %d %q", out.Status, out.Header.Get("Location"))
		}
		again := e.client()
		again.http.Jar.SetCookies(mustURL(e.srv.URL), []*http.Cookie{&stolen})
		if p := again.get("/requests"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/sign-in") {
			t.Fatalf("a signed-out session still works: %d %q", p.Status, p.Header.Get("Location"))
		}
	})
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestSecureCookieOverTLS: over TLS the cookie is Secure and __Host- named.
func TestSecureCookieOverTLS(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), true)
	p := e.client().post("/sign-in", url.Values{"username": {"hns"}, "password": {testPassword}})
	ck := p.Header.Get("Set-Cookie")
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(ck, cookieSecure+"=") || !strings.Contains(ck, "Secure") {
		t.Fatalf("over TLS: %d, cookie %q", p.Status, ck)
	}
}

// TestCSRF: a state-changing form from another origin is refused even with
// a valid token, and one without the session's token is refused too; the
// refused form changes nothing.
func TestCSRF(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client().signIn("lo-no")
		cases := []struct {
			name    string
			form    url.Values
			headers []string
		}{
			{"other origin", validForm(), []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}},
			{"other origin, no fetch metadata", validForm(), []string{"Origin", "https://evil.example"}},
			{"no token", withValue(validForm(), "csrf", ""), nil},
			{"wrong token", withValue(validForm(), "csrf", "forged"), nil},
		}
		for _, tc := range cases {
			p := c.post("/requests/new", withValue(tc.form, "action", "save"), tc.headers...)
			if p.Status != http.StatusForbidden || p.Doc.Find("h1").Text() != "You may not do this" {
				t.Errorf("%s: status %d, h1 %q", tc.name, p.Status, p.Doc.Find("h1").Text())
			}
		}
		if rows := c.get("/requests").Doc.Find("tbody tr").Length(); rows != 0 {
			t.Fatalf("a refused form stored %d requests", rows)
		}
		same := c.post("/requests/new", withValue(validForm(), "action", "save"), "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
		requestID(t, same)
	})
}

func withValue(v url.Values, k, val string) url.Values {
	v.Set(k, val)
	return v
}

// TestNeedToKnow: another nation's request is a 404 page on every URL, the
// same page as a request that does not exist.
func TestNeedToKnow(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no := e.client().signIn("lo-no")
		id := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "save")))
		de := e.client().signIn("lo-de")
		for _, path := range []string{"/requests/" + id, "/requests/" + id + "/permit", "/requests/" + id + "/edit", "/requests/nonexistent"} {
			p := de.get(path)
			wantStatus(t, p, http.StatusNotFound)
			if p.Doc.Find("h1").Text() != "Page not found" || strings.Contains(p.Doc.Text(), "Cold Response") {
				t.Fatalf("%s: h1 %q", path, p.Doc.Find("h1").Text())
			}
		}
		if p := de.post("/requests/"+id+"/withdraw", url.Values{"version": {"1"}}); p.Status != http.StatusNotFound {
			t.Fatalf("withdraw another nation's request: %d", p.Status)
		}
		if p := de.get("/requests"); strings.Contains(p.Doc.Text(), "Cold Response") {
			t.Fatal("another nation's request is listed")
		}
		entries, err := e.db.ListAudit(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		refused := 0
		for _, en := range entries {
			if en.Action == domain.AuditRequestRefused && en.Actor == "lo-de" {
				refused++
			}
		}
		if refused != 4 { // three pages and the withdrawal, each written down
			t.Fatalf("%d refusals of lo-de in the audit log, want 4", refused)
		}
	})
}

// TestSessionEndsWhenAccountDisabled: every request re-checks the session's
// account generation (domain.PrincipalCheck), so the session of an account
// an administrator disables ends at its next request, and the disabled
// account cannot sign in again: it gets the wrong-password answer.
func TestSessionEndsWhenAccountDisabled(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	c := e.client().signIn("hns")
	wantStatus(t, c.get("/queue"), http.StatusOK)
	e.disable("hns", "left the unit")
	if p := c.get("/queue"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/sign-in") {
		t.Fatalf("the session of a disabled account still works: %d", p.Status)
	}
	p := e.client().post("/sign-in", url.Values{"username": {"hns"}, "password": {testPassword}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Doc.Find(".error-summary").Text(), "Wrong username or password") {
		t.Fatalf("a disabled account signing in: %d %q", p.Status, p.Doc.Find(".error-summary").Text())
	}
}

// TestSignInIsRateLimited: the console's sign-in form has the API's limit on
// password guessing, per address and username, answered with the 429 page.
func TestSignInIsRateLimited(t *testing.T) {
	e := newEnvWith(t, storagetestSQLite(t), false, api.NewRateLimiter(api.DefaultRateLimits(), time.Now))
	c := e.client()
	var last page
	for range 6 {
		last = c.post("/sign-in", url.Values{"username": {"hns"}, "password": {"guess"}})
	}
	if last.Status != http.StatusTooManyRequests || last.Doc.Find("h1").Text() != "Too many attempts" || last.Header.Get("Retry-After") == "" {
		t.Fatalf("sixth guess: %d %q", last.Status, last.Doc.Find("h1").Text())
	}
	if p := c.post("/sign-in", url.Values{"username": {"ops"}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("another username from the same address: %d", p.Status)
	}
}
