package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// summary is the text of each link of a page's error summaries.
func summary(p page) []string {
	var out []string
	p.Doc.Find(".error-summary a").Each(func(_ int, a *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(a.Text()), " "))
	})
	return out
}

// wantSummary checks that p's error summary says each of want and none of
// notWant.
func wantSummary(t *testing.T, p page, want, notWant []string) {
	t.Helper()
	got := summary(p)
	has := map[string]bool{}
	for _, s := range got {
		has[s] = true
	}
	for _, w := range want {
		if !has[w] {
			t.Errorf("the summary does not say %q: %q", w, got)
		}
	}
	for _, w := range notWant {
		if has[w] {
			t.Errorf("the summary says %q: %q", w, got)
		}
	}
}

// TestRequestDateTypedWrongShowsEveryError: a first day typed wrong is
// named beside its field with every other field's error at once — the
// domain's check of the rest, with the first day left out, as it is
// not "required" — and with the period's timing, which the domain checks
// once the details are right: a last day already past.
func TestRequestDateTypedWrongShowsEveryError(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	f := validForm()
	f.Set("period.start", "2027-3-2")
	f.Set("purpose", "")
	f.Set("contact.email", "not-an-address")
	for _, action := range []string{"dryrun", "save"} {
		p := lo.post("/requests/new", withValue(f, "action", action))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantSummary(t, p, []string{"First day: " + msg("form.notdate"), "Purpose: is required",
			"Point of contact – E-mail: must be an e-mail address like name@example.org"}, []string{"First day: is required"})
		wantFieldError(t, p, "f-period-start", "First day: "+msg("form.notdate"), msg("form.notdate"))
		wantTyped(t, p, `form[action="/requests/new"]`, withValue(f, "action", action))
	}

	f = validForm()
	f.Set("period.start", "1 March")
	f.Set("period.end", "2026-03-10") // before testNow: the period has ended
	p := lo.post("/requests/new", withValue(f, "action", "dryrun"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantSummary(t, p, []string{"First day: " + msg("form.notdate"), "Last day: the period has already ended"},
		[]string{"First day: is required"})
	if got := lo.get("/requests").Doc.Find("tbody tr").Length(); got != 0 {
		t.Fatalf("%d requests stored from bad forms", got)
	}
}

// TestRequestDayOutsideCalendar: a first day, or a booking's day, typed as
// 0001-01-01 (Go's zero time, which the domain reads as "not given") is
// outside the service's calendar, said beside the field, not "is
// required"; so is a day just outside it. Nothing is stored.
func TestRequestDayOutsideCalendar(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	outside := func(p page) int {
		n := 0
		for _, s := range summary(p) {
			if strings.HasSuffix(s, ": "+domain.OutsideCalendar) {
				n++
			}
		}
		return n
	}
	for _, day := range []string{"0001-01-01", "1999-12-31"} {
		f := validForm()
		f.Set("period.start", day)
		f.Set("training_areas[0].from", day)
		for _, action := range []string{"dryrun", "save"} {
			p := lo.post("/requests/new", withValue(f, "action", action))
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantSummary(t, p, []string{"First day: " + domain.OutsideCalendar}, []string{"First day: is required"})
			wantFieldError(t, p, "f-period-start", "First day: "+domain.OutsideCalendar, domain.OutsideCalendar)
			if n := outside(p); n != 2 {
				t.Errorf("%s, %s: %d days outside the calendar in the summary %q, want the first day's and the booking's", day, action, n, summary(p))
			}
			for _, s := range summary(p) {
				if strings.HasSuffix(s, ": is required") {
					t.Errorf("%s, %s: %q", day, action, s)
				}
			}
		}
	}
	if got := lo.get("/requests").Doc.Find("tbody tr").Length(); got != 0 {
		t.Fatalf("%d requests stored from bad forms", got)
	}
}

// TestDelegationDateTypedWrongShowsEveryError: a day of the delegation
// form typed wrong is shown with the other fields' errors, which the
// domain gives for the rest of the form (a first day typed wrong is
// checked as "now", which an empty one means); and such a form stores
// nothing, even when all else is right (the domain's CheckDelegation
// stores nothing: on both databases).
func TestDelegationDateTypedWrongShowsEveryError(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		hns := e.client().signIn("hns")
		post := func(to, role, starts, ends string) page {
			return hns.post("/delegations", url.Values{"to": {to}, "role": {role}, "starts": {starts}, "ends": {ends}})
		}
		p := post("nobody", "range_officer", "tomorrow", "2026-12-20")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantSummary(t, p, []string{"Starts: " + msg("form.notdate"), "Delegate: " + domain.NoDelegateMessage,
			"Role: you can delegate only a role you hold yourself; a delegate cannot delegate further"},
			[]string{"Starts: " + msg("deleg.startspast")})
		wantFieldError(t, p, "f-to", "Delegate: "+domain.NoDelegateMessage, domain.NoDelegateMessage)
		if got := p.Doc.Find("#f-starts").AttrOr("value", ""); got != "tomorrow" {
			t.Errorf("starts typed %q is shown as %q", "tomorrow", got)
		}

		p = post("", "hns_officer", "", "20/12/2026")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantSummary(t, p, []string{"Ends: " + msg("form.notdate"), "Delegate: is required"}, []string{"Ends: is required"})

		// The first day typed wrong is "now": the last day measured from it
		// is no error of the days typed (TestDelegationUnreadStartsMeasuresNothing),
		// one before today is in the past.
		p = post("range", "hns_officer", "soon", "2028-01-10")
		wantSummary(t, p, []string{"Starts: " + msg("form.notdate")}, []string{"Ends: " + domain.DelegationTooLong})
		p = post("range", "hns_officer", "soon", "2026-11-20")
		wantSummary(t, p, []string{"Starts: " + msg("form.notdate"), "Ends: " + domain.EndsInPast}, []string{"Ends: " + msg("deleg.endsbefore")})

		// All else right: refused for the day alone, nothing stored.
		for _, tc := range [][2]string{{"soon", "2026-12-20"}, {"2026-12-01", "later"}, {"soon", "later"}} {
			p = post("range", "hns_officer", tc[0], tc[1])
			wantStatus(t, p, http.StatusUnprocessableEntity)
			if got := summary(p); len(got) != map[bool]int{true: 2, false: 1}[tc == [2]string{"soon", "later"}] {
				t.Errorf("starts %q, ends %q: the summary says %q", tc[0], tc[1], got)
			}
		}
		list, err := allDelegations(context.Background(), e.approvals, domain.Principal{Subject: "auditor", Roles: []domain.Role{domain.RoleAuditor}})
		if err != nil || len(list) != 0 {
			t.Fatalf("forms with a day typed wrong stored %d delegations (%v)", len(list), err)
		}
	})
}

// TestDelegationStartsToday: a first day of today, Stockholm time, is a
// delegation from now, as an empty one; a day before today is refused in
// the form's words. Today is Stockholm's: at 00:30 in Stockholm (23:30 UTC
// the day before), the UTC day is the day before, and refused.
func TestDelegationStartsToday(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	hns := e.client().signIn("hns")
	post := func(c *client, starts, ends string) page {
		return c.post("/delegations", url.Values{"to": {"range"}, "role": {"hns_officer"}, "starts": {starts}, "ends": {ends}})
	}
	if p := post(hns, "2026-11-23", "2026-11-30"); p.Status != http.StatusSeeOther {
		t.Fatalf("starts today: %d %q", p.Status, summary(p))
	}
	list, err := allDelegations(context.Background(), e.approvals, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}})
	if err != nil || len(list) != 1 || !list[0].Starts.Equal(testNow) || !list[0].GivesRole() {
		t.Fatalf("the delegation from today: %+v, %v; want one from now (%s), active", list, err, testNow)
	}
	p := post(hns, "2026-11-22", "2026-11-30")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-starts", "Starts: "+msg("deleg.startspast"), msg("deleg.startspast"))

	e.clock = func() time.Time { return time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC) } // 00:30 on the 24th in Stockholm
	ops := e.client().signIn("ops")
	ops2 := func(starts string) page {
		return ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "starts": {starts}, "ends": {"2026-11-30"}})
	}
	wantFieldError(t, ops2("2026-11-23"), "f-starts", "Starts: "+msg("deleg.startspast"), msg("deleg.startspast"))
	if p := ops2("2026-11-24"); p.Status != http.StatusSeeOther {
		t.Fatalf("starts today in Stockholm: %d %q", p.Status, summary(p))
	}
}

// TestAdminDateTypedWrongShowsEveryError: the framework agreement form
// (new and changed) and the training area form show a date typed wrong
// with the other fields' errors, and store nothing.
func TestAdminDateTypedWrongShowsEveryError(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin := e.client().signIn("admin")
	p := admin.post("/admin/frameworks/new", url.Values{"nation": {"NO"}, "name": {""}, "reference": {"FW-9"},
		"valid_from": {"2027-13-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {"0"}, "entry_points": {"storlien"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantSummary(t, p, []string{"Valid from: " + msg("form.notdate"), "Name: is required", "Personnel ceiling: must be at least 1",
		"Training areas: at least one training area is required"}, []string{"Valid from: is required"})

	id := frameworkID(t, e, admin)
	p = admin.post("/admin/frameworks/"+id, url.Values{"version": {"1"}, "nation": {"NO"}, "name": {"Nordic"}, "reference": {""},
		"valid_from": {"2027-01-01"}, "valid_until": {"31/12/2027"}, "personnel_ceiling": {"many"}, "training_areas": {"ravlunda"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantSummary(t, p, []string{"Valid until: " + msg("form.notdate"), "Reference: is required", "Personnel ceiling: " + msg("form.notnumber")},
		[]string{"Valid until: is required", "Personnel ceiling: must be at least 1"})
	if got := admin.get("/admin/frameworks/"+id).Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != "1" {
		t.Fatalf("the agreement changed to version %s", got)
	}

	p = admin.post("/admin/areas/ravlunda", url.Values{"version": {"1"}, "capacity_personnel": {"0"}, "blackout_days": {"2027-01-01\nsoon"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantSummary(t, p, []string{"Blackout days – line 2: " + msg("form.notdate"), "Capacity: must be at least 1"},
		[]string{"Blackout days – line 2: must be a date"})
	p = admin.post("/admin/areas/ravlunda", url.Values{"version": {"1"}, "capacity_personnel": {"99999999999999999999999"}, "blackout_days": {"2027-01-01"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	// A number too large to hold is a number past the bound, not "not a number".
	wantSummary(t, p, []string{"Capacity: must be at most 1000000"}, []string{"Capacity: " + msg("form.notnumber"), "Capacity: must be at least 1"})
	if got := admin.get("/admin/areas/ravlunda").Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != "1" {
		t.Fatalf("the area changed to version %s", got)
	}
}
