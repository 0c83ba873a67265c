package web

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestNationsSortedByName: every nation select (the queue's and the users
// list's filters, an account's nation, a framework agreement's) lists the
// nations by the English name it shows, not by ISO code: Canada, Croatia,
// Cyprus, Czechia…, and Switzerland after Sweden. The account and
// agreement forms leave out Sweden, the host nation.
func TestNationsSortedByName(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	hns, admin := e.client().signIn("hns"), e.client().signIn("admin")
	for _, c := range []struct {
		name string
		p    page
		sel  string
		host bool // Sweden offered
	}{
		{"queue", hns.get("/queue"), "#f-nation", true},
		{"users list", admin.get("/admin/users"), "#" + fieldID("nation"), true},
		{"new user", admin.get("/admin/users/new"), "#" + fieldID("nation"), false},
		{"account", admin.get("/admin/users/" + e.userID("lo-no")), "#" + fieldID("nation"), false},
		{"new framework agreement", admin.get("/admin/frameworks/new"), "#" + fieldID("nation"), false},
	} {
		wantStatus(t, c.p, http.StatusOK)
		var names []string
		c.p.Doc.Find(c.sel + " option").Each(func(_ int, o *goquery.Selection) {
			if o.AttrOr("value", "") != "" { // "Any nation", "No nation", "Choose…"
				names = append(names, strings.TrimSpace(o.Text()))
			}
		})
		n := len(e.ref.Nations)
		if !c.host {
			n--
		}
		if len(names) != n || slices.Contains(names, "Sweden") != c.host {
			t.Errorf("%s: %d nations offered, want %d (Sweden %v)", c.name, len(names), n, c.host)
		}
		if !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
			t.Errorf("%s: the nations are not in the order of their names: %v", c.name, names)
		}
		if i := slices.Index(names, "Canada"); i < 0 || i+3 >= len(names) || !slices.Equal(names[i:i+4], []string{"Canada", "Croatia", "Cyprus", "Czechia"}) {
			t.Errorf("%s: %v", c.name, names)
		}
	}
}
