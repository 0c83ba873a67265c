package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestFormSentTwice: the new-request form posted twice as it was rendered
// (a double click, or back and submit again) creates one request; the
// second post goes to it with a notice. The key is the signed-in user's:
// another officer posting the same key creates their own request, and a
// fresh rendering of the form has a fresh key.
func TestFormSentTwice(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		key, ok := lo.get("/requests/new").Doc.Find(`input[name="form_key"]`).Attr("value")
		if !ok || key == "" {
			t.Fatal("the new-request form carries no key")
		}
		form := func() url.Values { return withValue(withValue(validForm(), "action", "save"), "form_key", key) }
		first := requestID(t, lo.post("/requests/new", form()))
		again := lo.post("/requests/new", withValue(form(), "action", "submit"))
		if id := requestID(t, again); id != first || !strings.HasSuffix(again.Header.Get("Location"), "?done=resent") {
			t.Fatalf("sent again: %q, want the first request %s with done=resent", again.Header.Get("Location"), first)
		}
		if got := lo.get(again.Header.Get("Location")).Doc.Find(".notice").Text(); got != "This form was already sent; here is the request." {
			t.Fatalf("notice %q", got)
		}
		if n := countRequests(t, e, "lo-no", "NO"); n != 1 {
			t.Fatalf("%d requests after the form was sent twice, want 1", n)
		}
		if r, _ := e.requests.GetRequest(context.Background(), liaisonOf("lo-no", "NO"), first); r.Status != domain.StatusDraft {
			t.Fatalf("the second post (save and submit) changed the request: %s", r.Status)
		}

		de := e.client().signIn("lo-de")
		if other := requestID(t, de.post("/requests/new", form())); other == first {
			t.Fatal("another officer's post with the same key got the first officer's request")
		}
		fresh, _ := lo.get("/requests/new").Doc.Find(`input[name="form_key"]`).Attr("value")
		if fresh == key {
			t.Fatal("a new rendering of the form has the same key")
		}
		if second := requestID(t, lo.post("/requests/new", withValue(form(), "form_key", fresh))); second == first {
			t.Fatal("a fresh form made no new request")
		}
	})
}

// TestFormKeyKeptOnErrors: the form shown again (errors, a dry run, a row
// added) keeps its key, so that sending it twice after that is caught too;
// the amend form has none.
func TestFormKeyKeptOnErrors(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	key, _ := lo.get("/requests/new").Doc.Find(`input[name="form_key"]`).Attr("value")
	for _, action := range []string{"dryrun", "add:vehicles"} {
		p := lo.post("/requests/new", withValue(withValue(validForm(), "action", action), "form_key", key))
		if got, _ := p.Doc.Find(`input[name="form_key"]`).Attr("value"); got != key {
			t.Fatalf("%s: key %q, want %q", action, got, key)
		}
	}
	bad := withValue(withValue(validForm(), "action", "save"), "form_key", key)
	bad.Del("exercise_name")
	if got, _ := lo.post("/requests/new", bad).Doc.Find(`input[name="form_key"]`).Attr("value"); got != key {
		t.Fatalf("after errors: key %q, want %q", got, key)
	}
	id := requestID(t, lo.post("/requests/new", withValue(bad, "exercise_name", "Cold Response 27")))
	if n := lo.get("/requests/" + id + "/edit").Doc.Find(`input[name="form_key"]`).Length(); n != 0 {
		t.Fatal("the amend form carries a form key")
	}
}

func liaisonOf(user, nation string) domain.Principal {
	return domain.Principal{Subject: user, Roles: []domain.Role{domain.RoleLiaison}, Nation: nation}
}

// countRequests is the number of requests user's nation has.
func countRequests(t *testing.T, e *env, user, nation string) int {
	t.Helper()
	page, err := e.requests.ListRequests(context.Background(), liaisonOf(user, nation), domain.RequestFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	return len(page.Items)
}
