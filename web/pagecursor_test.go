package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestPageCursorsBounded: the paging parameters of the request list, the
// queue and the users list are bounded as the API bounds its cursors (64
// visible characters); a longer one, or one with a control or a space, is
// the 400 page naming the parameter. A cursor within the bound is a page.
// The inbox's and the audit log's "after", which the console reads itself,
// are named too (they said only "bad page cursor").
func TestPageCursorsBounded(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	long := strings.Repeat("f", 65)
	ok := strings.Repeat("f", 64)
	due := "2026-11-23T09:00:00Z"
	cases := []struct {
		user, path, param string
	}{
		{"lo-no", "/requests?after=" + long, "after"},
		{"ops", "/requests?status=draft&after=" + long, "after"},
		{"lo-no", "/requests?after=" + url.QueryEscape("0190\tx"), "after"},
		{"lo-no", "/requests?after=a&after=" + long, "after"},
		{"hns", "/queue?after_due=" + due + "&after_req=" + long + "&after_stage=intake", "after_req"},
		{"hns", "/queue?after_due=" + due + "&after_req=r&after_stage=" + long, "after_stage"},
		{"hns", "/queue?after_due=" + due + "&after_req=r&after_stage=" + url.QueryEscape("in take"), "after_stage"},
		{"hns", "/queue?after_due=" + strings.Repeat("9", 65) + "&after_req=r&after_stage=intake", "after_due"},
		{"hns", "/queue?after_due=" + url.QueryEscape("0000-01-01T00:00:00+01:00") + "&after_req=r&after_stage=intake", "after_due"},
		{"admin", "/admin/users?after=" + long, "after"},
		{"lo-no", "/inbox?after=nonsense", "after"},
		{"lo-no", "/inbox?unread=1&after=" + long, "after"},
		{"auditor", "/audit?after=x", "after"},
		{"auditor", "/audit?actor=hns&after=" + long, "after"},
	}
	clients := map[string]*client{}
	for _, c := range cases {
		cl := clients[c.user]
		if cl == nil {
			cl = e.client().signIn(c.user)
			clients[c.user] = cl
		}
		p := cl.get(c.path)
		text := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
		if p.Status != http.StatusBadRequest || !strings.Contains(text, `"`+c.param+`"`) {
			t.Errorf("%s as %s: %d %q, want 400 naming %q", c.path, c.user, p.Status, text, c.param)
		}
	}
	for user, path := range map[string]string{
		"lo-no": "/requests?after=" + ok,
		"hns":   "/queue?after_due=" + due + "&after_req=" + ok + "&after_stage=" + ok,
		"admin": "/admin/users?after=" + ok,
	} {
		wantStatus(t, clients[user].get(path), http.StatusOK)
	}
}
