package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAdminSaveNotices: saving a training area or a framework agreement
// returns to the administration page with a notice naming what was
// saved, as every other save does; the name comes from what was saved,
// never from the address.
func TestAdminSaveNotices(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	notice := func(p page) string {
		t.Helper()
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		return strings.TrimSpace(a.follow(p).Doc.Find(".notice").Text())
	}
	if got := notice(a.post("/admin/areas/ravlunda", url.Values{"version": {"1"}, "capacity_personnel": {"900"}})); got != "Training area Ravlunda skjutfält saved." {
		t.Fatalf("after saving a training area: %q", got)
	}
	terms := url.Values{"nation": {"NO"}, "name": {"Nordic standing agreement"}, "reference": {"FA-NO-2027"},
		"valid_from": {"2027-01-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {"600"},
		"training_areas": {"ravlunda"}, "entry_points": {"storlien"}}
	if got := notice(a.post("/admin/frameworks/new", terms)); got != "Framework agreement Nordic standing agreement saved." {
		t.Fatalf("after creating a framework agreement: %q", got)
	}
	path := a.get("/admin").Doc.Find(`main a[href^="/admin/frameworks/"]:not([href$="/new"])`).AttrOr("href", "")
	form := formValues(a.get(path), "main form")
	form.Set("name", "Nordic agreement 2027")
	if got := notice(a.post(path, form)); got != "Framework agreement Nordic agreement 2027 saved." {
		t.Fatalf("after changing a framework agreement: %q", got)
	}
	for _, q := range []string{"?saved_area=nowhere", "?saved_fw=Anything+at+all", "?saved_area=%3Cb%3E"} {
		if n := a.get("/admin" + q).Doc.Find(".notice").Length(); n != 0 {
			t.Errorf("/admin%s shows a notice", q)
		}
	}
}
