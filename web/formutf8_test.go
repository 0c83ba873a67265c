package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFormNotUTF8Refused: a form holding text that is not UTF-8 (a latin-1
// "Kälte", %E4) is refused, 400 saying so, before anything is done: SQLite
// stored its bytes as they were, and PostgreSQL answered a server error.
// Nothing is saved; the same form in UTF-8 is.
func TestFormNotUTF8Refused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		for _, form := range []url.Values{
			withValue(withValue(validForm(), "action", "save"), "exercise_name", "K\xe4lte 27"),
			withValue(withValue(validForm(), "action", "save"), "notes\xe4", "x"),
		} {
			p := lo.post("/requests/new", form)
			text := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
			if p.Status != http.StatusBadRequest || !strings.Contains(text, "not UTF-8") {
				t.Errorf("%d %q, want 400 saying the form is not UTF-8", p.Status, text)
			}
		}
		if n := countRequests(t, e, "lo-no", "NO"); n != 0 {
			t.Fatalf("%d requests saved from forms not in UTF-8", n)
		}
		requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "action", "save"), "exercise_name", "Kälte 27")))
	})
}
