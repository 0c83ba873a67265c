package web

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestNoAddressTextTheDatabaseRefuses: a console page whose address holds
// a NUL byte or bytes that are not UTF-8 in a path parameter answers the
// not-found page, never a server error: PostgreSQL refuses such text in a
// query outright, where SQLite finds nothing.
func TestNoAddressTextTheDatabaseRefuses(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		param := regexp.MustCompile(`:[^/]+`)
		clients := []*client{e.client().signIn("lo-no"), e.client().signIn("hns"), e.client().signIn("auditor"), e.client().signIn("admin")}
		var c Console
		checked := 0
		for _, r := range c.routes() {
			if r.method != http.MethodGet || !strings.Contains(r.path, ":") {
				continue
			}
			for _, bad := range []string{"a%00b", "a%FFb"} {
				path := param.ReplaceAllString(r.path, bad)
				for _, cl := range clients {
					p := cl.get(path)
					checked++
					if p.Status != http.StatusNotFound {
						t.Errorf("GET %s: %d, want 404: %s", path, p.Status, strings.TrimSpace(p.Doc.Find("main").Text()))
					}
				}
			}
		}
		if checked < 20 {
			t.Fatalf("only %d pages asked for: the route table was not walked", checked)
		}
	})
}
