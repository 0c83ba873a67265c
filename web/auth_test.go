package web

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"exaccess/api"
)

// TestSafeNext: a return address after sign-in is kept only when it is a
// path of this site that no browser reads as another host; anything else
// returns to the start page.
func TestSafeNext(t *testing.T) {
	kept := []string{
		"/",
		"/requests",
		"/requests?status=draft&area=ravlunda",
		"/requests/SE-2026-EXA-000001",
		"/requests/0190a1b2-0000-7000-8000-000000000000/permit",
		"/audit?actor=lo-no&from=2026-11-01",
		"/queue?role=hns_officer&after_due=2026-11-23T09%3A00%3A00Z",
		"/requests?next=//evil.example", // slashes in the query name no host
		"/inbox#top",
	}
	for _, next := range kept {
		if got := safeNext(next); got != next {
			t.Errorf("safeNext(%q) = %q, want it kept", next, got)
		}
	}
	refused := []string{
		"",
		"requests",
		"evil.example",
		"//evil.example",
		"///evil.example",
		"//evil.example/x",
		"/\\evil.example",
		"\\/evil.example",
		"/\\\\evil.example",
		"\\\\evil.example",
		"/\t/evil.example/x", // what /sign-in?next=/%09/evil.example decodes to
		"/\n/evil.example",
		"/\r/evil.example",
		"/\r\n/evil.example",
		"\t//evil.example",
		" //evil.example",
		"/ /evil.example",
		"/\x00/evil.example",
		"/\x0b/evil.example",
		"/\x0c/evil.example",
		"/\x1f/evil.example",
		"/\x7f/evil.example",
		"/\u0085/evil.example", // NEL
		"/\u2028/evil.example", // line separator
		"/\u2029/evil.example",
		"/\u202e/evil.example", // right-to-left override
		"/\u200b/evil.example", // zero width space
		"/\ufeff/evil.example",
		"/\uff0f/evil.example", // fullwidth solidus
		"/requests/\u00e9",
		"/.//evil.example",
		"/..//evil.example",
		"/a/..//evil.example",
		"/requests//x",
		"/%2F/evil.example",
		"/%2f%2fevil.example",
		"/%5Cevil.example",
		"/%5c/evil.example",
		"/%09/evil.example",
		"/%0A/evil.example",
		"/%00",
		"/%zz",
		"https://evil.example",
		"https:/evil.example",
		"http:evil.example",
		"javascript:alert(1)",
		"JaVaScRiPt:alert(1)",
		"data:text/html,x",
		"//user@evil.example",
		"/@evil.example\\@",
		"\x00/",
	}
	for _, next := range refused {
		if got := safeNext(next); got != "/" {
			t.Errorf("safeNext(%q) = %q, want \"/\"", next, got)
		}
	}
}

// TestSignInReturnAddress: through the real server, a hostile next= is
// neither carried into the sign-in form nor followed after signing in; a
// page of this site asked for while signed out is returned to.
func TestSignInReturnAddress(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	for _, next := range []string{"/\t/evil.example/x", "//evil.example/x", "/\\evil.example", "https://evil.example/"} {
		c := e.client()
		form := c.get("/sign-in?next=" + url.QueryEscape(next))
		wantStatus(t, form, http.StatusOK)
		if v, _ := form.Doc.Find(`input[name="next"]`).Attr("value"); v != "/" {
			t.Errorf("sign-in page for next=%q carries next %q", next, v)
		}
		p := c.post("/sign-in", url.Values{"username": {"lo-no"}, "password": {testPassword}, "next": {next}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/" {
			t.Errorf("sign-in with next=%q: %d to %q, want 303 to /", next, p.Status, p.Header.Get("Location"))
		}
	}

	c := e.client()
	asked := c.get("/requests?status=draft")
	if asked.Status != http.StatusSeeOther || asked.Header.Get("Location") != "/sign-in?next="+url.QueryEscape("/requests?status=draft") {
		t.Fatalf("signed out: %d to %q", asked.Status, asked.Header.Get("Location"))
	}
	form := c.get(asked.Header.Get("Location"))
	next, _ := form.Doc.Find(`input[name="next"]`).Attr("value")
	if next != "/requests?status=draft" {
		t.Fatalf("sign-in form carries next %q", next)
	}
	p := c.post("/sign-in", url.Values{"username": {"lo-no"}, "password": {testPassword}, "next": {next}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/requests?status=draft" {
		t.Fatalf("sign-in: %d to %q", p.Status, p.Header.Get("Location"))
	}
}

// TestSignInLimitIgnoresSpaces: the console signs in with the username
// trimmed, so the limit on guessing counts it trimmed: after five failures
// for hns, " hns", "hns " and "HNS" are hns's attempts and wait too, the
// right password included; a username sent in the query instead of the body
// signs nobody in.
func TestSignInLimitIgnoresSpaces(t *testing.T) {
	e := newEnvWith(t, storagetestSQLite(t), false, api.NewRateLimiter(api.DefaultRateLimits(), time.Now))
	c := e.client()
	if p := c.post("/sign-in?username=hns", url.Values{"password": {testPassword}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a username in the query: %d, want 422 (username required)", p.Status)
	}
	for range 5 {
		wantStatus(t, c.post("/sign-in", url.Values{"username": {"hns"}, "password": {"guess"}}), http.StatusUnauthorized)
	}
	for _, name := range []string{" hns", "hns ", "\thns\n", "\u00a0hns", "HNS"} {
		for _, pw := range []string{"guess", testPassword} {
			p := c.post("/sign-in", url.Values{"username": {name}, "password": {pw}})
			if p.Status != http.StatusTooManyRequests {
				t.Errorf("username %q, password %q after five failures: %d, want 429", name, pw, p.Status)
			}
		}
	}
	if p := c.post("/sign-in", url.Values{"username": {" ops "}, "password": {testPassword}}); p.Status != http.StatusSeeOther {
		t.Fatalf("another username, spaced: %d, want 303", p.Status)
	}
}
