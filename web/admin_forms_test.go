package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// formValues are the values a browser would send for the form sel of p as
// it stands: text inputs, selects, textareas and ticked boxes.
func formValues(p page, sel string) url.Values {
	out := url.Values{}
	form := p.Doc.Find(sel)
	form.Find("input").Each(func(_ int, in *goquery.Selection) {
		name, _ := in.Attr("name")
		if name == "" || (in.AttrOr("type", "") == "checkbox" && in.AttrOr("checked", "-") == "-") {
			return
		}
		v := in.AttrOr("value", "")
		if in.AttrOr("type", "") == "checkbox" && v == "" {
			v = "on"
		}
		out.Add(name, v)
	})
	form.Find("textarea").Each(func(_ int, ta *goquery.Selection) { out.Add(ta.AttrOr("name", ""), ta.Text()) })
	form.Find("select").Each(func(_ int, s *goquery.Selection) {
		out.Add(s.AttrOr("name", ""), s.Find("option[selected]").AttrOr("value", ""))
	})
	return out
}

// wantTiedError checks that the control sel is marked invalid and described
// by an element on the page holding want.
func wantTiedError(t *testing.T, p page, sel, want string) {
	t.Helper()
	c := p.Doc.Find(sel)
	if c.Length() != 1 {
		t.Fatalf("no %s on the page", sel)
	}
	desc := strings.Fields(c.AttrOr("aria-describedby", ""))
	var text string
	for _, id := range desc {
		text += p.Doc.Find("#" + id).Text()
	}
	if len(desc) == 0 || !strings.Contains(text, want) {
		t.Fatalf("%s: aria-describedby %q reads %q, want %q", sel, desc, text, want)
	}
	if c.Is("input, select, textarea") && c.AttrOr("aria-invalid", "") != "true" {
		t.Fatalf("%s is not marked aria-invalid", sel)
	}
}

// TestAdminAreaStaleForm: a training area saved from a stale form says so
// in a page-level notice (no field is blamed), shows the area as it is now
// with what the administrator typed listed, and saving that page again as
// it is stores nothing over the other administrator's change. A form that
// comes back with a field's error keeps the version it was made from.
func TestAdminAreaStaleForm(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	edit := a.get("/admin/areas/eksjo")
	version := edit.Doc.Find(`input[name="version"]`).AttrOr("value", "")
	if p := a.post("/admin/areas/eksjo", url.Values{"version": {version}, "capacity_personnel": {"900"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("first save: %d", p.Status)
	}
	stale := a.post("/admin/areas/eksjo", url.Values{"version": {version}, "capacity_personnel": {"700"}, "blackout_days": {"2027-05-01"}})
	wantStatus(t, stale, http.StatusConflict)
	notice := strings.Join(strings.Fields(stale.Doc.Find("#stale").Text()), " ")
	if !strings.Contains(notice, "Someone changed this training area meanwhile") || !strings.Contains(notice, "700") ||
		!strings.Contains(notice, "2027-05-01") {
		t.Fatalf("stale notice: %q", notice)
	}
	if n := stale.Doc.Find(".field-invalid, [aria-invalid], .error-summary a").Length(); n != 0 {
		t.Fatalf("the stale form blames %d fields: %s", n, stale.Doc.Find(".error-summary").Text())
	}
	if got := stale.Doc.Find("#f-capacity-personnel").AttrOr("value", ""); got != "900" {
		t.Fatalf("the stale form shows capacity %q, want the current 900", got)
	}
	again := a.post("/admin/areas/eksjo", formValues(stale, `main form[action="/admin/areas/eksjo"]`))
	if again.Status != http.StatusSeeOther {
		t.Fatalf("saving the stale page again: %d", again.Status)
	}
	areas, err := e.db.TrainingAreas(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	area := areas[slices.IndexFunc(areas, func(a domain.TrainingArea) bool { return a.Code == "eksjo" })]
	if area.CapacityPersonnel != 900 || len(area.BlackoutDays) != 0 {
		t.Fatalf("after saving the stale page again: capacity %d, blackout %v; want 900 and none", area.CapacityPersonnel, area.BlackoutDays)
	}

	// A field's error keeps the version sent: fixing the field and saving
	// is still checked against it.
	bad := a.post("/admin/areas/eksjo", url.Values{"version": {version}, "capacity_personnel": {"many"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if got := bad.Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != version {
		t.Fatalf("a form with an error carries version %q, want the one sent, %q", got, version)
	}
	wantTiedError(t, bad, "#f-capacity-personnel", "must be a whole number")
	fixed := formValues(bad, `main form[action="/admin/areas/eksjo"]`)
	fixed.Set("capacity_personnel", "650")
	wantStatus(t, a.post("/admin/areas/eksjo", fixed), http.StatusConflict)

	days := a.post("/admin/areas/eksjo", url.Values{"version": {"2"}, "capacity_personnel": {"900"}, "blackout_days": {"2027-03-07\nsoon"}})
	wantStatus(t, days, http.StatusUnprocessableEntity)
	wantTiedError(t, days, "#f-blackout-days", "must be a date")
}

// TestAdminFrameworkStaleForm: a framework agreement saved from a stale
// form says so in a page-level notice under the agreement's name, shows the
// agreement as it is now at its current version with what was typed listed,
// and the administrator can apply the change again and save. Field errors
// are tied to their fields.
func TestAdminFrameworkStaleForm(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	terms := url.Values{"nation": {"NO"}, "name": {"Nordic standing agreement"}, "reference": {"FA-NO-2027"},
		"valid_from": {"2027-01-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {"600"},
		"training_areas": {"ravlunda"}, "entry_points": {"storlien"}}
	if p := a.post("/admin/frameworks/new", terms); p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	path := a.get("/admin").Doc.Find(`main a[href^="/admin/frameworks/"]:not([href$="/new"])`).AttrOr("href", "")
	edit := a.get(path)
	wantStatus(t, edit, http.StatusOK)
	form := formValues(edit, "main form")
	if form.Get("version") != "1" || form.Get("name") != "Nordic standing agreement" || form.Get("training_areas") != "ravlunda" {
		t.Fatalf("the edit form holds %v", form)
	}

	first := formValues(edit, "main form")
	first.Set("personnel_ceiling", "800")
	if p := a.post(path, first); p.Status != http.StatusSeeOther {
		t.Fatalf("first save: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	second := formValues(edit, "main form") // the other tab, still at version 1
	second.Set("name", "Nordic agreement 2027")
	stale := a.post(path, second)
	wantStatus(t, stale, http.StatusConflict)
	if h1 := stale.Doc.Find("h1").Text(); h1 != "Nordic standing agreement" {
		t.Fatalf("stale page title %q", h1)
	}
	notice := strings.Join(strings.Fields(stale.Doc.Find("#stale").Text()), " ")
	if !strings.Contains(notice, "Someone changed this framework agreement meanwhile") || !strings.Contains(notice, "Nordic agreement 2027") ||
		!strings.Contains(notice, "600") {
		t.Fatalf("stale notice: %q", notice)
	}
	if n := stale.Doc.Find(".field-invalid, [aria-invalid], .error-summary a").Length(); n != 0 {
		t.Fatalf("the stale form blames %d fields", n)
	}
	now := formValues(stale, "main form")
	if now.Get("version") != "2" || now.Get("personnel_ceiling") != "800" || now.Get("name") != "Nordic standing agreement" {
		t.Fatalf("the stale form holds %v, want the agreement as it is now", now)
	}
	now.Set("name", "Nordic agreement 2027") // applied again
	if p := a.post(path, now); p.Status != http.StatusSeeOther {
		t.Fatalf("saving the change again: %d %s", p.Status, p.Doc.Find("main").Text())
	}
	if got := a.get(path); formValues(got, "main form").Get("name") != "Nordic agreement 2027" || formValues(got, "main form").Get("personnel_ceiling") != "800" {
		t.Fatalf("after saving again: %v", formValues(got, "main form"))
	}

	bad := formValues(a.get(path), "main form")
	bad.Set("personnel_ceiling", "lots")
	bad.Set("valid_from", "soon")
	p := a.post(path, bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if h1 := p.Doc.Find("h1").Text(); h1 != "Nordic agreement 2027" {
		t.Fatalf("title of the form with errors %q", h1)
	}
	wantTiedError(t, p, "#f-personnel-ceiling", "must be a whole number")
	wantTiedError(t, p, "#f-valid-from", "must be a date")
	bad = formValues(a.get(path), "main form")
	bad["training_areas"] = []string{"nowhere"}
	bad.Set("notes", strings.Repeat("x", domain.MaxPurpose+1))
	p = a.post(path, bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantTiedError(t, p, "#f-training-areas", "unknown training area")
	wantTiedError(t, p, "#f-notes", "")
	if href := p.Doc.Find(`.error-summary a[href^="#f-training-areas"]`).AttrOr("href", ""); href != "#f-training-areas" {
		t.Fatalf("the summary links the training areas' error to %q", href)
	}
	empty := a.post("/admin/frameworks/new", url.Values{})
	wantStatus(t, empty, http.StatusUnprocessableEntity)
	if h1 := empty.Doc.Find("h1").Text(); h1 != "New framework agreement" {
		t.Fatalf("title of a new agreement with errors %q", h1)
	}
	wantTiedError(t, empty, "#f-nation", "choose one from the list")
	wantTiedError(t, empty, "#f-name", "is required")
}

// TestUserPageErrorsOnTheirForm: an account's page has three forms, each
// with a reason; an error lands on the form that was submitted: roles
// that do not go together (an administrator's beside an approver's) on
// the roles, a change's reason on the change form's reason, a reset's on
// the reset's, a disable's on the disable's.
func TestUserPageErrorsOnTheirForm(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	path := "/admin/users/" + e.userID("ops")
	version := a.get(path).Doc.Find(`input[name=version]`).AttrOr("value", "")

	last := a.post(path, url.Values{"version": {version}, "roles": {"admin", "auditor"}, "nation": {""}, "reason": {"handing over"}})
	wantStatus(t, last, http.StatusUnprocessableEntity)
	if last.Doc.Find(`.error-summary a[href="#f-roles"]`).Length() != 1 || !strings.Contains(last.Doc.Find("#f-roles-error").Text(), "an administrator holds no other role") {
		t.Fatalf("an administrator's roles beside others: %q", last.Doc.Find(".error-summary").Text())
	}
	if fs := last.Doc.Find("#f-roles").Closest("fieldset"); fs.AttrOr("aria-describedby", "") != "f-roles-error" {
		t.Fatalf("the roles group is not described by its error: %q", fs.AttrOr("aria-describedby", ""))
	}
	if last.Doc.Find("#f-reason-error, #f-reset-reason-error, #f-change-reason-error").Length() != 0 {
		t.Fatal("the roles' error is also shown at a reason")
	}
	if got := last.Doc.Find("#f-change-reason").AttrOr("value", ""); got != "handing over" || last.Doc.Find("#f-reason").AttrOr("value", "") != "" {
		t.Fatalf("the change's reason typed is kept in %q, disable's reason holds %q", got, last.Doc.Find("#f-reason").AttrOr("value", ""))
	}
	if last.Doc.Find(`input[name=roles][value=auditor][checked]`).Length() != 1 {
		t.Fatal("the roles ticked were lost")
	}

	long := strings.Repeat("r", 501)
	change := a.post(path, url.Values{"version": {version}, "roles": {"operations_approver"}, "nation": {""}, "reason": {long}})
	wantStatus(t, change, http.StatusUnprocessableEntity)
	wantTiedError(t, change, "#f-change-reason", "")
	if change.Doc.Find(`.error-summary a[href="#f-change-reason"]`).Length() != 1 || change.Doc.Find("#f-reason[aria-invalid], #f-reset-reason[aria-invalid]").Length() != 0 {
		t.Fatalf("a change's reason: %q", change.Doc.Find(".error-summary").Text())
	}
	ops := path
	reset := a.post(ops+"/reset-password", url.Values{"reason": {long}})
	wantStatus(t, reset, http.StatusUnprocessableEntity)
	wantTiedError(t, reset, "#f-reset-reason", "")
	if reset.Doc.Find("#f-reason[aria-invalid], #f-change-reason[aria-invalid]").Length() != 0 {
		t.Fatal("a reset's reason is blamed on another form")
	}
	disable := a.post(ops+"/disable", url.Values{"reason": {""}})
	wantStatus(t, disable, http.StatusUnprocessableEntity)
	wantTiedError(t, disable, "#f-reason", "is required")
	if disable.Doc.Find("#f-reset-reason[aria-invalid], #f-change-reason[aria-invalid]").Length() != 0 {
		t.Fatal("a disable's reason is blamed on another form")
	}
}

// TestAuditFormErrors: a bad date in the search is shown beside its field
// and no search runs (so no "No entries match."); an unknown action is
// refused at the action select, which lists every action; a bad date in the
// export form comes back to the audit page at the export's field.
func TestAuditFormErrors(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("auditor")
	bad := a.get("/audit?from=yesterday&to=2026-12-01")
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	wantTiedError(t, bad, "#f-from", "must be a date")
	if bad.Doc.Find("#f-to[aria-invalid], #x-from[aria-invalid]").Length() != 0 || strings.Contains(bad.Doc.Find("main").Text(), "No entries match") {
		t.Fatalf("bad search date: %s", strings.Join(strings.Fields(bad.Doc.Find("main").Text()), " "))
	}
	if got := bad.Doc.Find("#f-from").AttrOr("value", ""); got != "yesterday" {
		t.Fatalf("the date typed was lost: %q", got)
	}

	if n := a.get("/audit").Doc.Find("#f-action option").Length(); n != len(domain.AuditDataTypes)+1 {
		t.Fatalf("the action select has %d options, want every action and 'Any'", n)
	}
	if got := a.get("/audit?action=request.decided").Doc.Find("#f-action option[selected]").AttrOr("value", ""); got != "request.decided" {
		t.Fatalf("the action searched for is not selected: %q", got)
	}
	unknown := a.get("/audit?action=decided")
	wantStatus(t, unknown, http.StatusUnprocessableEntity)
	wantTiedError(t, unknown, "#f-action", `unknown action "decided"`)
	if none := a.get("/audit?actor=nobody"); !strings.Contains(none.Doc.Find("main").Text(), "No entries match") {
		t.Fatal("a search that found nothing does not say so")
	}

	export := a.post("/audit/export", url.Values{"format": {"csv"}, "from": {"2026-13-01"}})
	wantStatus(t, export, http.StatusUnprocessableEntity)
	wantTiedError(t, export, "#x-from", "must be a date")
	if export.Doc.Find(`.error-summary a[href="#x-from"]`).Length() != 1 || export.Doc.Find("#x-from").AttrOr("value", "") != "2026-13-01" ||
		export.Doc.Find("#f-from[aria-invalid]").Length() != 0 {
		t.Fatalf("bad export date: %s", export.Doc.Find(".error-summary").Text())
	}
}

// TestPasswordPageNamesTheOneTimePassword: an account that must change its
// one-time password is asked for its "One-time password", anyone else for
// their "Current password".
func TestPasswordPageNamesTheOneTimePassword(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin := e.client().signIn("admin")
	reset := admin.follow(admin.post("/admin/users/"+e.userID("ops")+"/reset-password", url.Values{"confirm": {confirmYes}}))
	otp := strings.TrimSpace(reset.Doc.Find(".otp code").Text())
	c := e.client()
	if p := c.post("/sign-in", url.Values{"username": {"ops"}, "password": {otp}}); p.Header.Get("Location") != pathPassword {
		t.Fatalf("sign-in with the one-time password: %d %q", p.Status, p.Header.Get("Location"))
	}
	if got := c.get(pathPassword).Doc.Find(`label[for="f-old-password"]`).Text(); got != "One-time password" {
		t.Fatalf("forced change: the old password is labelled %q", got)
	}
	if got := admin.get(pathPassword).Doc.Find(`label[for="f-old-password"]`).Text(); got != "Current password" {
		t.Fatalf("own change: the old password is labelled %q", got)
	}
}

// TestSignInErrorMarksUsername: a refused sign-in marks the username input
// invalid, described by the error beside it.
func TestSignInErrorMarksUsername(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	p := e.client().post("/sign-in", url.Values{"username": {"ops"}, "password": {"wrong password"}})
	wantStatus(t, p, http.StatusUnauthorized)
	wantTiedError(t, p, "#f-username", "Wrong username or password")
	empty := e.client().post("/sign-in", url.Values{"username": {""}, "password": {""}})
	wantTiedError(t, empty, "#f-username", "Enter your username and password")
	if fresh := e.client().get("/sign-in"); fresh.Doc.Find("#f-username[aria-invalid]").Length() != 0 {
		t.Fatal("the sign-in page marks the username invalid before any attempt")
	}
}

// TestNavLinksOnce: a user with several roles gets each page of the header
// once, in the order of the roles' own pages.
func TestNavLinksOnce(t *testing.T) {
	cases := []struct {
		roles []domain.Role
		want  string
	}{
		{[]domain.Role{domain.RoleLiaison}, "/requests:My requests /requests/new /inbox"},
		{[]domain.Role{domain.RoleHNS}, "/queue /requests:Requests /delegations /inbox"},
		{[]domain.Role{domain.RoleAuditor}, "/requests:Requests /audit /delegations /inbox"},
		{[]domain.Role{domain.RoleAdmin}, "/inbox /admin /admin/users /delegations"},
		{[]domain.Role{domain.RoleRange, domain.RoleAdmin}, "/queue /requests:Requests /delegations /inbox /admin /admin/users"},
		{[]domain.Role{domain.RoleOperations, domain.RoleAuditor}, "/queue /requests:Requests /delegations /audit /inbox"},
		{[]domain.Role{domain.RoleHNS, domain.RoleMinistry}, "/queue /requests:Requests /delegations /inbox"},
		{[]domain.Role{domain.RoleLiaison, domain.RoleAuditor}, "/requests:Requests /requests/new /audit /delegations /inbox"},
	}
	for _, tc := range cases {
		v := view{Cur: &current{Principal: domain.Principal{Subject: "x", Roles: tc.roles}}}
		var got []string
		for _, l := range v.Nav() {
			s := l.Href
			if l.Href == "/requests" {
				s += ":" + l.Label
			}
			got = append(got, s)
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v: %s, want %s", tc.roles, strings.Join(got, " "), tc.want)
		}
	}

	// The header of a page, for an approver who also administers: an
	// account stored before an administrator could hold no other role.
	e := newEnv(t, storagetestSQLite(t), false)
	e.storeUnchecked("hns-admin", domain.RoleHNS, domain.RoleAdmin)
	var hrefs []string
	e.client().signIn("hns-admin").get("/").Doc.Find("header nav a").Each(func(_ int, a *goquery.Selection) {
		hrefs = append(hrefs, a.AttrOr("href", ""))
	})
	if got := strings.Join(hrefs, " "); got != "/queue /requests /delegations /inbox /admin /admin/users" {
		t.Fatalf("the header's links: %s", got)
	}
}

// TestFormAddressesOnGet: a GET of an address that only takes a form
// (revisited, or the return address after signing in) goes to the page
// the form is on, never "Method Not Allowed"; every POST-only address of
// the route table has one.
func TestFormAddressesOnGet(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	const id = "00000000-0000-0000-0000-000000000000"
	want := map[string]string{
		"/requests/" + id + "/submit":            "/requests/" + id,
		"/requests/" + id + "/decide":            "/requests/" + id,
		"/audit/export":                          "/audit",
		"/admin/users/" + id + "/reset-password": "/admin/users/" + id,
		"/delegations/" + id + "/revoke":         "/delegations",
		"/inbox/" + id + "/read":                 "/inbox",
		"/account/webhooks/" + id + "/revoke":    pathSettings,
		"/sign-out":                              "/",
	}
	admin := e.client().signIn("admin")
	for from, to := range want {
		for _, c := range []*client{admin, e.client()} {
			if p := c.get(from); p.Status != http.StatusSeeOther || p.Header.Get("Location") != to {
				t.Errorf("GET %s: %d to %q, want %q", from, p.Status, p.Header.Get("Location"), to)
			}
		}
	}
	var c Console
	gets := map[string]bool{}
	for _, r := range c.routes() {
		if r.method == http.MethodGet {
			gets[r.path] = true
		}
	}
	for _, r := range c.routes() {
		if r.method == http.MethodPost && !gets[r.path] {
			t.Errorf("POST %s has no GET", r.path)
		}
	}

	// Sent to sign in on the way to a form's address, the user lands on
	// the form's page.
	lo := e.client()
	p := lo.post("/sign-in", url.Values{"username": {"lo-no"}, "password": {testPassword}, "next": {"/requests/" + id + "/withdraw"}})
	if p = lo.get(p.Header.Get("Location")); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/requests/"+id {
		t.Fatalf("after signing in: %d to %q", p.Status, p.Header.Get("Location"))
	}
}
