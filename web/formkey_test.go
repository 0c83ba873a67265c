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

// TestFormSentTwice: the new-request form posted twice as it was rendered
// (a double click, or back and save again) creates one request; the
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
		again := lo.post("/requests/new", form())
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
			t.Fatalf("the second post changed the request: %s", r.Status)
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

// TestFormKeySentWithAnotherForm: Back, an edit and "Save and submit" send
// the used key with another form. Nothing is created or submitted, and the
// edits are not dropped: the form comes back with everything typed, a fresh
// key, and a link to the request the key made. The fresh key then creates.
func TestFormKeySentWithAnotherForm(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		key, _ := lo.get("/requests/new").Doc.Find(`input[name="form_key"]`).Attr("value")
		first := requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "action", "save"), "form_key", key)))

		for _, changed := range []url.Values{
			withValue(withValue(withValue(validForm(), "action", "submit"), "form_key", key), "exercise_name", "Edited after Back"),
			withValue(withValue(validForm(), "action", "submit"), "form_key", key), // the same details, another button
		} {
			p := lo.post("/requests/new", changed)
			if p.Status != http.StatusOK {
				t.Fatalf("status %d, want 200 (Location %q)", p.Status, p.Header.Get("Location"))
			}
			notice := p.Doc.Find(".notice")
			if href, _ := notice.Find("a").Attr("href"); href != "/requests/"+first || !strings.Contains(notice.Text(), "already sent") {
				t.Fatalf("notice %q linking %q, want the first request %s", notice.Text(), href, first)
			}
			if got := p.Doc.Find(`input[name="exercise_name"]`).AttrOr("value", ""); got != changed.Get("exercise_name") {
				t.Errorf("exercise_name %q, want what was typed %q", got, changed.Get("exercise_name"))
			}
			fresh, _ := p.Doc.Find(`input[name="form_key"]`).Attr("value")
			if fresh == "" || fresh == key {
				t.Fatalf("key %q after a used key came back, want a fresh one", fresh)
			}
			if n := countRequests(t, e, "lo-no", "NO"); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
			if r, _ := e.requests.GetRequest(context.Background(), liaisonOf("lo-no", "NO"), first); r.Status != domain.StatusDraft || r.Details.ExerciseName != validForm().Get("exercise_name") {
				t.Fatalf("the first request changed: %s %q", r.Status, r.Details.ExerciseName)
			}
		}
		p := lo.post("/requests/new", withValue(withValue(validForm(), "action", "save"), "form_key", key))
		fresh, _ := lo.post("/requests/new", withValue(withValue(validForm(), "action", "submit"), "form_key", key)).Doc.Find(`input[name="form_key"]`).Attr("value")
		if requestID(t, p) != first {
			t.Fatal("the first form sent again did not go to its request")
		}
		second := requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "action", "submit"), "form_key", fresh)))
		if second == first || countRequests(t, e, "lo-no", "NO") != 2 {
			t.Fatalf("the fresh key made %s, want a second request", second)
		}
	})
}

// TestFormSentAgainTakesNoCycle: the create/submit/withdraw tokens are
// taken once the form's key is found new, so that a form sent again (or a
// used key with another form) costs none.
func TestFormSentAgainTakesNoCycle(t *testing.T) {
	e := newEnvWith(t, storagetestSQLite(t), false, frozenLimiter(api.RateLimits{Cycles: api.Rate{Events: 3, Per: time.Minute, Burst: 2}}))
	lo := e.client().signIn("lo-no")
	newKey := func() string {
		key, _ := lo.get("/requests/new").Doc.Find(`input[name="form_key"]`).Attr("value")
		return key
	}
	form := func(key string) url.Values {
		return withValue(withValue(validForm(), "action", "save"), "form_key", key)
	}
	key := newKey()
	first := requestID(t, lo.post("/requests/new", form(key))) // 1 token of 2
	for range 3 {
		if id := requestID(t, lo.post("/requests/new", form(key))); id != first {
			t.Fatalf("sent again: %s, want %s", id, first)
		}
		wantStatus(t, lo.post("/requests/new", withValue(form(key), "exercise_name", "Edited")), http.StatusOK)
	}
	requestID(t, lo.post("/requests/new", form(newKey()))) // the token left
	wantLimited(t, lo.post("/requests/new", form(newKey())), "20")
	if n := countRequests(t, e, "lo-no", "NO"); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}
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
