package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// TestAccountStaleFormListsWhatWasTyped: an account change saved from a
// page of before another administrator's change is refused (409); the
// page shows the account as it is now and lists what the administrator
// had entered that differs, roles and nation by their names, to apply
// again; what did not differ is not listed.
func TestAccountStaleFormListsWhatWasTyped(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin := e.client().signIn("admin")
	path := "/admin/users/" + e.userID("lo-no")
	version := admin.get(path).Doc.Find(`input[name=version]`).AttrOr("value", "")
	if p := admin.post(path, url.Values{"version": {version}, "roles": {"liaison_officer"}, "nation": {"DE"}, "email": {"lo@mil.no"}, "reason": {"moved"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("change: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	stale := admin.post(path, url.Values{"version": {version}, "roles": {"liaison_officer"}, "nation": {"AT"}, "email": {"posted@mil.no"}, "reason": {"posted"}})
	wantStatus(t, stale, http.StatusConflict)
	notice := stale.Doc.Find(".error-summary").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.Contains(s.Find("h2").Text(), "changed this account meanwhile")
	})
	if notice.Length() != 1 {
		t.Fatalf("no stale notice: %s", stale.Doc.Find("main").Text())
	}
	yours := map[string]string{}
	notice.Find("dt").Each(func(_ int, dt *goquery.Selection) {
		yours[strings.TrimSpace(dt.Text())] = strings.TrimSpace(dt.Next().Text())
	})
	if !strings.Contains(notice.Text(), "What you had entered") || yours["Nation"] != "Austria" || yours["E-mail address"] != "posted@mil.no" || len(yours) != 2 {
		t.Errorf("the stale notice lists %v: %s", yours, strings.Join(strings.Fields(notice.Text()), " "))
	}
	if got := stale.Doc.Find("#f-nation option[selected]").AttrOr("value", ""); got != "DE" {
		t.Errorf("the form shows nation %q, not the account as it is now", got)
	}
}
