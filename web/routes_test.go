package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestConsoleRoleMatrix opens every route of the console's table as nobody
// and as every role: signed out, a protected page sends to sign-in; a role
// the table does not name gets the 403 page; a named role gets through.
func TestConsoleRoleMatrix(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	clients := map[string]*client{}
	for _, u := range testUsers {
		clients[u.Username] = e.client().signIn(u.Username)
	}
	var c Console
	table := c.routes()
	// Signing out ends the session the rest of the table needs: it goes last.
	slices.SortStableFunc(table, func(a, b route) int {
		return boolInt(a.path == "/sign-out") - boolInt(b.path == "/sign-out")
	})
	for _, r := range table {
		path := strings.NewReplacer(":id", "00000000-0000-0000-0000-000000000000", ":code", "ravlunda", ":name", "none.css").Replace(r.path)
		send := func(cl *client) page {
			if r.method == http.MethodGet {
				return cl.get(path)
			}
			return cl.post(path, url.Values{})
		}
		anon := send(e.client())
		switch {
		case r.access.public && anon.Status == http.StatusSeeOther && strings.HasPrefix(anon.Header.Get("Location"), "/sign-in"):
			t.Errorf("%s %s is public but sends to sign-in", r.method, r.path)
		case !r.access.public && (anon.Status != http.StatusSeeOther || !strings.HasPrefix(anon.Header.Get("Location"), "/sign-in")):
			if !(r.method == http.MethodPost && anon.Status == http.StatusForbidden) {
				t.Errorf("%s %s signed out: %d, want a redirect to sign-in", r.method, r.path, anon.Status)
			}
		}
		for _, u := range testUsers {
			p := send(clients[u.Username])
			allowed := r.access.public || r.access.signed || slices.ContainsFunc(u.Roles, func(x domain.Role) bool { return slices.Contains(r.access.roles, x) })
			refused := p.Status == http.StatusForbidden && p.Doc.Find("h1").Text() == "You may not do this"
			if allowed == refused {
				t.Errorf("%s %s as %s: status %d (allowed by the table: %v)", r.method, r.path, u.Username, p.Status, allowed)
			}
		}
	}
}

// TestEveryRouteDeclaresAccess: a route without a declaration panics at start.
func TestEveryRouteDeclaresAccess(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a route without an access declaration was registered")
		}
	}()
	var c Console
	r := route{method: http.MethodGet, path: "/x", handler: c.handleHome}
	if !r.access.declared() {
		panic("undeclared")
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
