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

// TestDelegationDaysAreStockholmDays: the form's days are Stockholm days.
// hns delegates to range from 2 to 20 December: the delegation starts at
// 00:00 Stockholm time on the 2nd (23:00 UTC on the 1st) and ends at the
// end of the 20th, so the list reads "… 2026-12-20 24:00 CET", not into
// the 21st. A summer day starts at 22:00 UTC the day before. A last day
// before the first is refused in the form's words; the same day is one
// day.
func TestDelegationDaysAreStockholmDays(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	hns := e.client().signIn("hns")
	post := func(starts, ends string) page {
		return hns.post("/delegations", url.Values{"to": {"range"}, "role": {"hns_officer"}, "starts": {starts}, "ends": {ends}})
	}
	if p := post("2026-12-02", "2026-12-20"); p.Status != http.StatusSeeOther {
		t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	if p := post("2027-06-01", "2027-06-01"); p.Status != http.StatusSeeOther {
		t.Fatalf("delegate one summer day: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	list, err := allDelegations(context.Background(), e.approvals, domain.Principal{Subject: "auditor", Roles: []domain.Role{domain.RoleAuditor}})
	if err != nil || len(list) != 2 {
		t.Fatalf("%d delegations, %v", len(list), err)
	}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	want := map[time.Time]time.Time{at("2026-12-01T23:00:00Z"): at("2026-12-20T23:00:00Z"), at("2027-05-31T22:00:00Z"): at("2027-06-01T22:00:00Z")}
	for _, d := range list {
		if ends, ok := want[d.Starts.UTC()]; !ok || !d.Ends.Equal(ends) {
			t.Errorf("a delegation from %s to %s", d.Starts.UTC(), d.Ends.UTC())
		}
	}

	var periods []string
	hns.get("/delegations").Doc.Find("main table tbody tr").Each(func(_ int, tr *goquery.Selection) {
		periods = append(periods, strings.Join(strings.Fields(tr.Children().Eq(3).Text()), " "))
	})
	wantPeriods := map[string]bool{
		"2026-12-02 00:00 CET (Stockholm) – 2026-12-20 24:00 CET (Stockholm)":   true,
		"2027-06-01 00:00 CEST (Stockholm) – 2027-06-01 24:00 CEST (Stockholm)": true,
	}
	for _, p := range periods {
		if !wantPeriods[p] {
			t.Errorf("the list shows the period %q", p)
		}
	}
	if len(periods) != 2 {
		t.Errorf("%d rows", len(periods))
	}

	p := post("2026-12-10", "2026-12-09")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-ends", "Ends: must not be before “Starts”", "must not be before “Starts”")
	// With no first day, the delegation starts now: an ends before it is
	// in the past, and says so, not "before Starts".
	p = post("", "2026-11-20")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-ends", "Ends: "+domain.EndsInPast, domain.EndsInPast)
}

// TestDelegationsPageForAuditorsAndAdministrators: an approver's page is
// their delegations; an administrator's and an auditor's is every
// delegation, titled so. The auditor may read it (as the API's list lets
// them) but gets neither the form nor a revoke button, and ending one
// stays refused to them.
func TestDelegationsPageForAuditorsAndAdministrators(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ops := e.client().signIn("ops")
	if p := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	for _, tc := range []struct {
		who, title     string
		form, revoking bool
	}{
		{"ops", "My delegations", true, true},
		{"hns", "My delegations", true, false}, // none of hns's
		{"admin", "Delegations", false, true},
		{"auditor", "Delegations", false, false},
	} {
		p := e.client().signIn(tc.who).get("/delegations")
		wantStatus(t, p, http.StatusOK)
		if got := p.Doc.Find("h1").Text(); got != tc.title {
			t.Errorf("%s: the page is titled %q, want %q", tc.who, got, tc.title)
		}
		if n := p.Doc.Find(`form[action="/delegations"]`).Length(); (n == 1) != tc.form {
			t.Errorf("%s: %d delegation forms", tc.who, n)
		}
		if n := p.Doc.Find(`form[action$="/revoke"]`).Length(); (n == 1) != tc.revoking {
			t.Errorf("%s: %d revoke buttons", tc.who, n)
		}
		rows := p.Doc.Find("main table tbody tr").Length()
		if want := map[bool]int{true: 1, false: 0}[tc.who != "hns"]; rows != want {
			t.Errorf("%s: %d rows, want %d", tc.who, rows, want)
		}
	}
	id := ""
	if list, _ := allDelegations(context.Background(), e.approvals, domain.Principal{Subject: "ops", Roles: []domain.Role{domain.RoleOperations}}); len(list) == 1 {
		id = list[0].ID
	}
	auditor := e.client().signIn("auditor")
	wantStatus(t, auditor.post("/delegations/"+id+"/revoke", url.Values{}), http.StatusForbidden)
	wantStatus(t, auditor.post("/delegations", url.Values{"to": {"ops2"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}), http.StatusForbidden)
}

// TestDelegationFormErrorsOnTheirFields: each error of the delegation form
// is beside its field, which is marked invalid and described by it (and
// by its hint), and the summary names the field by its label, not by the
// API's path.
func TestDelegationFormErrorsOnTheirFields(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	hns := e.client().signIn("hns")
	p := hns.post("/delegations", url.Values{"to": {""}, "role": {"hns_officer"}, "starts": {"soon"}, "ends": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-starts", "Starts: "+msg("form.notdate"), msg("form.notdate"))
	if got := p.Doc.Find("#f-starts").AttrOr("aria-describedby", ""); got != "f-starts-hint f-starts-error" {
		t.Errorf("the first day is described by %q", got)
	}
	if p.Doc.Find("#f-starts").AttrOr("value", "") != "soon" {
		t.Error("what was typed is lost")
	}

	p = hns.post("/delegations", url.Values{"to": {""}, "role": {"range_officer"}, "ends": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-to", "Delegate: is required", "is required")
	wantFieldError(t, p, "f-ends", "Ends: is required", "is required")
	wantFieldError(t, p, "f-role", "Role: you can delegate only a role you hold yourself; a delegate cannot delegate further", "you can delegate only")
	if got := p.Doc.Find(".error-summary").Text(); strings.Contains(got, "to:") || strings.Contains(got, "ends:") || strings.Contains(got, "role:") {
		t.Errorf("the summary names fields by their paths: %s", got)
	}
}
