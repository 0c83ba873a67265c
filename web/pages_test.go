package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/google/uuid"
)

// TestHeadersAndStatic: every page carries a nonce CSP whose nonce is the
// one on the page's only script; static files are served under hashed names
// and cached; unknown pages are the HTML 404 page while the API keeps its
// problem+json.
func TestHeadersAndStatic(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	c := e.client()
	p := c.get("/sign-in")
	csp := p.Header.Get("Content-Security-Policy")
	nonce, _ := p.Doc.Find("script").Attr("nonce")
	if nonce == "" || !strings.Contains(csp, "script-src 'nonce-"+nonce+"'") || !strings.Contains(csp, "default-src 'none'") ||
		!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q, script nonce %q", csp, nonce)
	}
	if p2 := c.get("/sign-in"); strings.Contains(p2.Header.Get("Content-Security-Policy"), nonce) {
		t.Fatal("the nonce is reused")
	}
	css, _ := p.Doc.Find(`link[rel="stylesheet"]`).Attr("href")
	if !strings.HasPrefix(css, "/static/console.") || len(css) != len("/static/console.12345678.css") {
		t.Fatalf("stylesheet path %q is not content-hashed", css)
	}
	res, err := http.Get(e.srv.URL + css)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(string(body), "@media print") {
		t.Fatalf("stylesheet: %d %q %q", res.StatusCode, res.Header.Get("Cache-Control"), res.Header.Get("Content-Type"))
	}
	if p := c.get("/static/console.00000000.css"); p.Status != http.StatusNotFound {
		t.Fatalf("a stale static name: %d", p.Status)
	}
	if p := c.get("/no-such-page"); p.Status != http.StatusNotFound || p.Doc.Find("h1").Text() != "Page not found" {
		t.Fatalf("unknown page: %d %q", p.Status, p.Doc.Find("h1").Text())
	}
	res, err = http.Get(e.srv.URL + "/api/v1/no-such-route")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("API 404: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}

// TestAuditorSearchAndExport: the search filters by actor; an export is a
// download of the verifiable NDJSON form, and is itself audited.
func TestAuditorSearchAndExport(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		a := e.client().signIn("auditor")
		p := a.get("/audit?actor=lo-no")
		wantStatus(t, p, http.StatusOK)
		rows := p.Doc.Find("main table tbody tr")
		if rows.Length() != 1 || !strings.Contains(rows.Text(), "request.created") {
			t.Fatalf("search by actor: %d rows: %s", rows.Length(), rows.Text())
		}
		lo.post("/requests/"+mustID(t, lo)+"/submit", url.Values{"version": {"1"}})
		byRef := a.get("/audit?request=SE-2026-EXA-000001")
		if got := byRef.Doc.Find("main table tbody tr").Length(); got != 2 || !strings.Contains(byRef.Doc.Text(), "request.submitted") {
			t.Fatalf("search by reference: %d rows", got)
		}
		if got := a.get("/audit?request=SE-2026-EXA-999999").Doc.Find("main table tbody tr").Length(); got != 0 {
			t.Fatalf("an unknown reference found %d rows", got)
		}
		if p.Doc.Find("pre.note").Text() == "" || !strings.Contains(p.Doc.Text(), "How to verify an export") {
			t.Fatal("no checkpoint or verification panel")
		}
		if bad := a.get("/audit?from=yesterday"); bad.Status != http.StatusUnprocessableEntity || bad.Doc.Find(".error-summary").Length() != 1 {
			t.Fatalf("bad date: %d", bad.Status)
		}
		form := url.Values{"format": {"ndjson"}, "csrf": {a.csrf}}
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/audit/export", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := a.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/x-ndjson" ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") || !strings.Contains(string(body), `"action":"request.created"`) {
			t.Fatalf("export: %d %q %q\n%s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), body)
		}
		if p := a.get("/audit?action=audit.exported"); p.Doc.Find("main table tbody tr").Length() != 1 {
			t.Fatal("the export was not audited")
		}
	})
}

// TestAdminAreaAndFramework: an admin sets a training area's capacity and
// blackout days; a bad day is an inline error with the input kept; a
// framework agreement is created from the form.
func TestAdminAreaAndFramework(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		a := e.client().signIn("admin")
		edit := a.get("/admin/areas/ravlunda")
		wantStatus(t, edit, http.StatusOK)
		version := edit.Doc.Find(`input[name="version"]`).AttrOr("value", "")
		bad := a.post("/admin/areas/ravlunda", url.Values{"version": {version}, "capacity_personnel": {"800"}, "blackout_days": {"2027-03-07\nsoon"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if href := bad.Doc.Find(".error-summary a").AttrOr("href", ""); href != "#f-blackout-days" || bad.Doc.Find(href).Text() != "2027-03-07\nsoon" {
			t.Fatalf("bad blackout day: link %q, kept %q", href, bad.Doc.Find("#f-blackout-days").Text())
		}
		ok := a.post("/admin/areas/ravlunda", url.Values{"version": {version}, "capacity_personnel": {"800"}, "blackout_days": {"2027-03-07"}})
		if ok.Status != http.StatusSeeOther {
			t.Fatalf("save area: %d %s", ok.Status, ok.Doc.Find("main").Text())
		}
		if row := a.get("/admin").Doc.Find(`a[href="/admin/areas/ravlunda"]`).Closest("tr").Text(); !strings.Contains(row, "800") || !strings.Contains(row, "2027-03-07") {
			t.Fatalf("area row after save: %q", row)
		}
		fw := a.post("/admin/frameworks/new", url.Values{"nation": {"NO"}, "name": {"Nordic standing agreement"}, "reference": {"FA-NO-2027"},
			"valid_from": {"2027-01-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {"600"},
			"training_areas": {"ravlunda"}, "entry_points": {"storlien"}})
		if fw.Status != http.StatusSeeOther {
			t.Fatalf("create framework: %d %s", fw.Status, fw.Doc.Find(".error-summary").Text())
		}
		if !strings.Contains(a.get("/admin").Doc.Text(), "Nordic standing agreement") {
			t.Fatal("the new agreement is not listed")
		}
	})
}

// TestFrameworkFormDates: the agreement form refuses a validity outside
// 2000-01-01 to 2099-12-31 beside the field, 0001-01-01 included — it
// said "is required", as if the field were empty — keeping what was typed.
func TestFrameworkFormDates(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	form := func(from, until string) url.Values {
		return url.Values{"nation": {"NO"}, "name": {"Nordic standing agreement"}, "reference": {"FA-NO-2027"},
			"valid_from": {from}, "valid_until": {until}, "personnel_ceiling": {"600"}, "training_areas": {"ravlunda"}}
	}
	const outside = "must be a date from 2000-01-01 to 2099-12-31"
	for _, tc := range []struct{ from, until, id, msg string }{
		{"0001-01-01", "2027-12-31", "#f-valid-from", outside},
		{"2027-01-01", "0001-01-01", "#f-valid-until", outside},
		{"2027-01-01", "2100-01-01", "#f-valid-until", outside},
		{"", "2027-12-31", "#f-valid-from", "is required"},
	} {
		p := a.post("/admin/frameworks/new", form(tc.from, tc.until))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		field := p.Doc.Find(tc.id).Parent()
		msg := field.Find(".field-error").Clone()
		msg.Find(".visually-hidden").Remove() // the "Error:" a screen reader hears first
		if got := strings.TrimSpace(msg.Text()); got != tc.msg {
			t.Errorf("%s to %s: %s says %q, want %q", tc.from, tc.until, tc.id, got, tc.msg)
		}
		if v := p.Doc.Find("#f-valid-from").AttrOr("value", ""); v != tc.from {
			t.Errorf("%s to %s: valid_from kept as %q", tc.from, tc.until, v)
		}
	}
}

// TestDelegations: an approver delegates a role for a period, a bad date is
// an inline error, and the delegation can be revoked.
func TestDelegations(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ops := e.client().signIn("ops")
	bad := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"next week"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if bad.Doc.Find(".error-summary").Length() != 1 || bad.Doc.Find("#f-ends").AttrOr("value", "") != "next week" {
		t.Fatal("no error summary, or the input was lost")
	}
	ok := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}})
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("delegate: %d %s", ok.Status, ok.Doc.Find(".error-summary").Text())
	}
	list := ops.get("/delegations")
	row := list.Doc.Find("main table tbody tr")
	if row.Length() != 1 || !strings.Contains(row.Text(), "gov") || !strings.Contains(row.Text(), "Active") {
		t.Fatalf("delegations: %q", row.Text())
	}
	action, _ := row.Find("form").Attr("action")
	if p := ops.post(action, url.Values{"confirm": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", p.Status)
	}
	if got := ops.get("/delegations").Doc.Find("main table tbody tr").Text(); !strings.Contains(got, "Not active") {
		t.Fatalf("after revoking: %q", got)
	}
}

// TestPermitOfADraft: a draft has no reference yet; its permit page says
// so where the reference would be, rather than leaving the row blank, and
// its title is "Permit" alone.
func TestPermitOfADraft(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
	p := lo.get("/requests/" + id + "/permit")
	wantStatus(t, p, http.StatusOK)
	if got := factOf(p, "Reference"); got != "Not submitted yet" {
		t.Errorf("the reference of a draft's permit: %q", got)
	}
	if got := strings.TrimSpace(p.Doc.Find("main h1").Text()); got != "Permit" {
		t.Errorf("the title of a draft's permit: %q", got)
	}
	if got := p.Doc.Find(".banner").Text(); !strings.Contains(got, "NOT PERMITTED") {
		t.Errorf("a draft's banner: %q", got)
	}
}

// TestPermitBanners: approved says MAY MOVE with the period; once the
// period has ended and the sweep expired it, NOT PERMITTED with the status.
func TestPermitBanners(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		ctx := context.Background()
		for _, d := range []struct {
			who, stage string
			role       domain.Role
		}{
			{"hns", "intake", domain.RoleHNS}, {"range", "range_safety", domain.RoleRange}, {"ops", "operations", domain.RoleOperations}} {
			p := domain.Principal{Subject: d.who, Roles: []domain.Role{d.role}}
			r, err := e.requests.GetRequest(ctx, p, id)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.approvals.Decide(ctx, p, id, r.Version, domain.DecisionInput{Stage: d.stage, Outcome: domain.OutcomeApprove}); err != nil {
				t.Fatal(err)
			}
		}
		banner := lo.get("/requests/" + id + "/permit").Doc.Find(".banner")
		if got := strings.Join(strings.Fields(banner.Text()), " "); !banner.HasClass("may") || got != "MAY MOVE from 2027-03-02 to 2027-03-20" {
			t.Fatalf("approved: %q", got)
		}
		later := domain.NewApprovalService(e.db, nil, func() time.Time { return time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC) }, uuid.NewString)
		if n, err := later.ExpireEnded(ctx); err != nil || n != 1 {
			t.Fatalf("ExpireEnded = %d, %v", n, err)
		}
		banner = lo.get("/requests/" + id + "/permit").Doc.Find(".banner")
		if got := strings.Join(strings.Fields(banner.Text()), " "); !banner.HasClass("not") || !strings.Contains(got, "NOT PERMITTED") || !strings.Contains(got, "Expired") {
			t.Fatalf("expired: %q", got)
		}
	})
}

// mustID is the id of the one request on the client's list.
func mustID(t testing.TB, c *client) string {
	t.Helper()
	href, ok := c.get("/requests").Doc.Find("main tbody a").Attr("href")
	if !ok {
		t.Fatal("no request listed")
	}
	return strings.TrimPrefix(href, "/requests/")
}

// TestApproverSeesBookings: a request's page shows the approver the other
// requests booked on the same training area in its period.
func TestApproverSeesBookings(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	first := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	second := requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "exercise_name", "Second"), "action", "submit")))
	p := e.client().signIn("range").get("/requests/" + second)
	wantStatus(t, p, http.StatusOK)
	rows := p.Doc.Find("h3:contains('Other bookings') + .table-wrap table tbody tr")
	if rows.Length() != 1 || rows.Find(`a[href="/requests/`+first+`"]`).Length() != 1 || !strings.Contains(rows.Text(), "2027-03-05 – 2027-03-12") {
		t.Fatalf("bookings: %d rows: %q", rows.Length(), rows.Text())
	}
}
