package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

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

// TestTablesNameNations: every table with a nation column names it as
// the request page does ("Norway"), never by its code: the request list
// of an approver, the queue, a request's bookings of the same areas and
// the framework agreements.
func TestTablesNameNations(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	if _, err := e.frameworks.Create(context.Background(), admin, domain.FrameworkTerms{Nation: "NO", Name: "Winter drills",
		Reference: "FA-NO-7", ValidFrom: day("2026-01-01"), ValidUntil: day("2028-12-31"), TrainingAreas: []string{"ravlunda"},
		EntryPoints: []string{"storlien"}, PersonnelCeiling: 1000}); err != nil {
		t.Fatal(err)
	}
	lo := e.client().signIn("lo-no")
	first := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns, ad := e.client().signIn("hns"), e.client().signIn("admin")
	for _, c := range []struct {
		name string
		p    page
	}{
		{"request list", hns.get("/requests")},
		{"queue", hns.get("/queue")},
		{"request page's bookings", hns.get("/requests/" + first)},
		{"framework agreements", ad.get("/admin")},
	} {
		wantStatus(t, c.p, http.StatusOK)
		cells := 0
		c.p.Doc.Find("main table").Each(func(_ int, table *goquery.Selection) {
			col := -1
			table.Find("thead th").Each(func(i int, th *goquery.Selection) {
				if strings.TrimSpace(th.Text()) == "Nation" {
					col = i
				}
			})
			if col < 0 {
				return
			}
			table.Find("tbody tr").Each(func(_ int, tr *goquery.Selection) {
				cells++
				if got := strings.TrimSpace(tr.Find("td").Eq(col).Text()); got != "Norway" {
					t.Errorf("%s: the nation column shows %q", c.name, got)
				}
			})
		})
		if cells == 0 {
			t.Errorf("%s: no table row with a nation column", c.name)
		}
	}
}
