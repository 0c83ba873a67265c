package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// signInAgain follows a redirect to the sign-in page, checks its notice
// and signs in with the return address it carries; it returns where the
// sign-in sends.
func signInAgain(t *testing.T, c *client, to page, user, notice string) string {
	t.Helper()
	if to.Status != http.StatusSeeOther || !strings.HasPrefix(to.Header.Get("Location"), "/sign-in?") {
		t.Fatalf("want a redirect to sign in, got %d %q", to.Status, to.Header.Get("Location"))
	}
	form := c.get(to.Header.Get("Location"))
	wantStatus(t, form, http.StatusOK)
	if got := strings.TrimSpace(form.Doc.Find(".notice").Text()); got != notice {
		t.Fatalf("sign-in page notice %q, want %q", got, notice)
	}
	next, _ := form.Doc.Find(`input[name="next"]`).Attr("value")
	p := c.post("/sign-in", url.Values{"username": {user}, "password": {testPassword}, "next": {next}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", p.Status)
	}
	return p.Header.Get("Location")
}

// TestFormAfterSessionEnded: a form posted after the session ended saves
// nothing and says so on the sign-in page, which then returns to the page
// the form was on (a POST-only address through its GET route).
func TestFormAfterSessionEnded(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	const ended = "Your session ended; nothing was saved. Sign in and try again."
	lo := e.client().signIn("lo-no")
	draft := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
	csrf := lo.csrf
	lo.post("/sign-out", url.Values{})

	sent := lo.post("/requests/new", url.Values{"csrf": {csrf}, "form_key": {formKey()},
		"exercise_name": {"Lost"}, "action": {"save"}})
	if back := signInAgain(t, lo, sent, "lo-no", ended); back != "/requests/new" {
		t.Fatalf("after signing in: %q, want the form's page /requests/new", back)
	}
	if n := countRequests(t, e, "lo-no", "NO"); n != 1 {
		t.Fatalf("%d requests, want only the first: the form sent without a session saved something", n)
	}

	lo.get("/") // the new session's token
	csrf = lo.csrf
	lo.post("/sign-out", url.Values{})
	sent = lo.post("/requests/"+draft+"/submit", url.Values{"csrf": {csrf}, "version": {"1"}})
	back := signInAgain(t, lo, sent, "lo-no", ended)
	if back != "/requests/"+draft+"/submit" {
		t.Fatalf("after signing in: %q, want the form's own address", back)
	}
	if page := lo.get(back); page.Status != http.StatusSeeOther || page.Header.Get("Location") != "/requests/"+draft {
		t.Fatalf("the form's address: %d to %q, want the request's page", page.Status, page.Header.Get("Location"))
	}

	// Opening a page signed out is no lost form: no notice.
	signedOut := e.client().get("/requests/" + draft)
	if back := signInAgain(t, e.client(), signedOut, "lo-no", ""); back != "/requests/"+draft {
		t.Fatalf("after signing in: %q", back)
	}
}

// TestSignInReturnDropsNotices: the return address after signing in
// leaves out a one-off notice of the page ("?done=submitted"), which the
// one who signs in did not cause, and keeps the rest of the query.
func TestSignInReturnDropsNotices(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	for asked, want := range map[string]string{
		"/requests/" + id + "?done=submitted":    "/requests/" + id,
		"/requests?status=draft&done=saved":      "/requests?status=draft",
		pathSettings + "?saved=1":                pathSettings,
		"/admin/users/x?saved=1":                 "/admin/users/x",
		"/requests?status=in_review&area=kabusa": "/requests?status=in_review&area=kabusa",
	} {
		c := e.client()
		p := c.get(asked)
		loc, _ := url.Parse(p.Header.Get("Location"))
		if got := loc.Query().Get("next"); got != want {
			t.Errorf("%s signed out: next %q, want %q", asked, got, want)
		}
	}
	de := e.client()
	back := signInAgain(t, de, de.get("/requests/"+id+"?done=submitted"), "lo-no", "")
	if page := de.get(back); page.Doc.Find(".notice").Length() != 0 {
		t.Fatalf("after signing in, the page shows a notice the user did not cause: %q", page.Doc.Find(".notice").Text())
	}
}

// TestSignOutAfterSessionEnded: pressing Sign out after the session ended
// lost nothing; it goes to the signed-out sign-in page, not to "nothing
// was saved" with a return to signing out.
func TestSignOutAfterSessionEnded(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	csrf := lo.csrf
	lo.post("/sign-out", url.Values{})
	again := lo.post("/sign-out", url.Values{"csrf": {csrf}})
	if loc := again.Header.Get("Location"); again.Status != http.StatusSeeOther || loc != "/sign-in?out=1" {
		t.Fatalf("sign-out without a session: %d %q, want the signed-out sign-in page", again.Status, loc)
	}
	form := lo.get("/sign-in?out=1")
	if got := strings.TrimSpace(form.Doc.Find(".notice").Text()); got != "You have signed out." {
		t.Errorf("notice %q", got)
	}
	if next := form.Doc.Find(`input[name="next"]`).AttrOr("value", ""); next != "" && next != "/" {
		t.Errorf("the sign-in page returns to %q", next)
	}
}
