package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestPagedListsLinkTheFirstPage: a later page of the request list, the
// queue and the users list links back to the first page with the same
// filters; the first page has no such link.
func TestPagedListsLinkTheFirstPage(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	after := strings.Repeat("f", 64)
	due := "2026-11-23T09:00:00Z"
	cases := []struct{ user, first, later, want string }{
		{"ops", "/requests?status=in_review", "/requests?status=in_review&area=ravlunda&after=" + after, "/requests?area=ravlunda&status=in_review"},
		{"hns", "/queue?nation=NO", "/queue?nation=NO&overdue=on&after_due=" + due + "&after_req=" + after + "&after_stage=intake", "/queue?nation=NO&overdue=on"},
		{"admin", "/admin/users?role=ministry", "/admin/users?role=ministry&disabled=false&after=" + after, "/admin/users?disabled=false&role=ministry"},
	}
	firstLink := func(p page) *goquery.Selection {
		return p.Doc.Find("main a").FilterFunction(func(_ int, a *goquery.Selection) bool { return strings.TrimSpace(a.Text()) == "First page" })
	}
	for _, c := range cases {
		cl := e.client().signIn(c.user)
		p := cl.get(c.later)
		wantStatus(t, p, http.StatusOK)
		if l := firstLink(p); l.Length() != 1 || l.AttrOr("href", "") != c.want {
			t.Errorf("%s: first page link %d %q, want %q", c.later, l.Length(), l.AttrOr("href", ""), c.want)
		}
		p = cl.get(c.first)
		wantStatus(t, p, http.StatusOK)
		if l := firstLink(p); l.Length() != 0 {
			t.Errorf("%s: the first page links to itself as %q", c.first, l.AttrOr("href", ""))
		}
	}
}
