package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// unheldRoles is the warning's list of roles, "" when the page has none.
func unheldRoles(p page) string {
	var names []string
	p.Doc.Find("#unheld-roles li").Each(func(_ int, s *goquery.Selection) { names = append(names, s.Text()) })
	return strings.Join(names, ", ")
}

// TestUsersWarnOfUnheldRoles: the users pages warn when no enabled account
// holds an approver role — on the account's page as soon as the change
// that caused it is saved, and on the list — and stop warning once an
// account, even one that must still choose its password, holds it again.
func TestUsersWarnOfUnheldRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		admin := e.client().signIn("admin")
		if got := unheldRoles(admin.get("/admin/users")); got != "" {
			t.Fatalf("every approver role is held, yet the list warns of %q", got)
		}
		rangePath := "/admin/users/" + e.userID("range")
		p := admin.post(rangePath+"/disable", url.Values{"reason": {"posted abroad"}, "confirm": {confirmYes}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("disable range: %d", p.Status)
		}
		after := admin.get(p.Header.Get("Location"))
		if got := unheldRoles(after); got != "Range safety" || !strings.Contains(after.Doc.Find("#unheld-roles").Text(), "nobody's queue") {
			t.Fatalf("the account's page after disabling the only range officer: %q, %q", got, after.Doc.Find("#unheld-roles").Text())
		}
		if got := unheldRoles(admin.get("/admin/users")); got != "Range safety" {
			t.Fatalf("the list: %q", got)
		}

		// A new account with the role (it must still choose its password)
		// holds it.
		created := admin.follow(admin.post("/admin/users/new", url.Values{"username": {"range-2"}, "roles": {"range_officer"}}))
		if created.Status != http.StatusOK {
			t.Fatalf("create range-2: %d %s", created.Status, created.Doc.Find(".error-summary").Text())
		}
		if got := unheldRoles(admin.get("/admin/users")); got != "" {
			t.Fatalf("with range-2, the list still warns of %q", got)
		}
		// The roles form that takes the last holder's role away warns too.
		hnsPath := "/admin/users/" + e.userID("hns")
		version := admin.get(hnsPath).Doc.Find(`input[name=version]`).AttrOr("value", "")
		p = admin.post(hnsPath, url.Values{"version": {version}, "roles": {"auditor"}, "reason": {"moved to audit"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("change hns's roles: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		if got := unheldRoles(admin.get(p.Header.Get("Location"))); got != "Host nation support (intake)" {
			t.Fatalf("after hns lost the role: %q", got)
		}
	})
}
