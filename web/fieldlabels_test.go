package web

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// labelledPage is one page with forms and the labels its error summaries
// name fields by: forms selects the forms whose fields it walks, and
// domain are the fields the domain names in the errors of those forms.
type labelledPage struct {
	name   string
	page   page
	forms  string
	l      labels
	domain []string
}

// TestEveryFormFieldHasItsLabel walks every console form that has an
// error summary: each field of the form, and each field the domain names
// in an error of it, must be named in the summary by the label the page
// shows for it (its <label>, or the legend of its group; a row's field
// as "Legend N – Label"; a line of a list as "Label – line N"), never by
// its path. A field added to a form without its label fails here.
func TestEveryFormFieldHasItsLabel(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo, hns, ops := e.client().signIn("lo-no"), e.client().signIn("hns"), e.client().signIn("ops")
	admin, auditor := e.client().signIn("admin"), e.client().signIn("auditor")

	// The request form with a row of every repeatable part.
	form := withValue(validForm(), "action", "add:aircraft")
	form.Set("vessels[0].name", "KNM Thor")
	form.Set("dangerous_goods[0].un_number", "0012")
	form.Set("training_areas[1].area", "eksjo")
	reqForm := lo.post("/requests/new", form)
	// A request in review (the decision form, the withdraw form) and an
	// approved one (the revoke form).
	inReview := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	approved := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.approveAll(approved)
	// One whose last stage is open (the decision form with the override
	// reason, which only a final approval uses).
	final := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.decideAs("hns", domain.RoleHNS, final, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
	e.decideAs("range", domain.RoleRange, final, domain.DecisionInput{Stage: "range_safety", Outcome: domain.OutcomeApprove})
	// An account that must choose its password.
	reset := admin.follow(admin.post("/admin/users/"+e.userID("range")+"/reset-password", url.Values{"confirm": {confirmYes}}))
	otp := strings.TrimSpace(reset.Doc.Find(".otp code").Text())
	forced := e.client()
	if p := forced.post("/sign-in", url.Values{"username": {"range"}, "password": {otp}}); p.Header.Get("Location") != pathPassword {
		t.Fatalf("sign-in with the one-time password: %d", p.Status)
	}
	fw := frameworkID(t, e, admin)

	pages := []labelledPage{
		{"request form", reqForm, `form[action="/requests/new"]`, requestLabels, detailErrorFields(e.ref)},
		{"request page, liaison officer", lo.get("/requests/" + inReview), `form[action$="/withdraw"]`, requestLabels,
			[]string{"withdraw.reason"}},
		{"request page, final approver", ops.get("/requests/" + final), `form[action$="/decide"]`, requestLabels,
			errorFields(domain.ValidateDecision(domain.DecisionInput{Outcome: "maybe", Comment: strings.Repeat("x", 5000),
				Conditions: make([]string, domain.MaxConditions+1), OverrideReason: "x"}))},
		{"approved request page", ops.get("/requests/" + approved), `form[action$="/revoke"]`, requestLabels,
			[]string{"revoke.reason"}},
		{"password page", lo.get(pathPassword), "main form", passwordLabels, nil},
		{"forced password page", forced.get(pathPassword), "main form", otpLabels, nil},
		{"delegations", hns.get("/delegations"), `form[action="/delegations"]`, delegationLabels, nil},
		{"users list", admin.get("/admin/users"), "form.filters", usersListLabels, nil},
		{"new user", admin.get("/admin/users/new"), "main form", userLabels,
			errorFields(domain.ValidateUser(domain.User{Username: "No Good", Roles: []domain.Role{"chief"}, Email: "x"}, e.ref))},
		{"account", admin.get("/admin/users/" + e.userID("ops")), "main form", userLabels,
			append(errorFields(domain.ValidateUser(domain.User{Username: "ops", Roles: []domain.Role{domain.RoleLiaison, "chief"}}, e.ref)), "reason")},
		{"new framework agreement", admin.get("/admin/frameworks/new"), "main form", frameworkLabels, frameworkErrorFields(e)},
		{"framework agreement", admin.get("/admin/frameworks/" + fw), "main form", frameworkLabels, frameworkErrorFields(e)},
		{"training area", admin.get("/admin/areas/ravlunda"), "main form", areaLabels,
			[]string{"blackout_days[0]", "blackout_days[3]", "capacity_personnel"}},
		{"notification settings", lo.get(pathSettings), `form[action="/account/webhooks"]`, settingsLabels,
			errorFields(domain.ValidateWebhookURL("ftp://x", domain.WebhookURLPolicy{}))},
		{"audit log", auditor.get("/audit"), "main form", auditLabels, nil},
	}
	for _, lp := range pages {
		t.Run(lp.name, func(t *testing.T) {
			wantStatus(t, lp.page, lp.page.Status) // a page, not checked for its status here
			forms := lp.page.Doc.Find(lp.forms)
			if forms.Length() == 0 {
				t.Fatalf("no form %s on the page: %s", lp.forms, strings.Join(strings.Fields(lp.page.Doc.Find("main").Text()), " "))
			}
			paths := slices.Clone(lp.domain)
			forms.Find("input, select, textarea").Each(func(_ int, s *goquery.Selection) {
				if p := controlPath(s); p != "" {
					paths = append(paths, p)
				}
			})
			slices.Sort(paths)
			for _, p := range slices.Compact(paths) {
				wantLabel(t, lp.page.Doc, lp.l, p)
			}
			wantPageOrder(t, lp.page.Doc, lp.l, slices.Compact(paths))
		})
	}
}

// controlPath is the field path of a form control, "" for those that are
// no field (the anti-forgery token, the version, the buttons): its name,
// or the name of the form's reason ("withdraw.reason") when its id says so.
func controlPath(s *goquery.Selection) string {
	name, typ := s.AttrOr("name", ""), s.AttrOr("type", "")
	if name == "" || typ == "hidden" || typ == "submit" || name == "confirm_version" {
		return ""
	}
	action := s.Closest("form").AttrOr("action", "")
	if prefixed := action[strings.LastIndex(action, "/")+1:] + "." + name; s.AttrOr("id", "") == fieldID(prefixed) {
		return prefixed
	}
	return name
}

// wantLabel checks that l names path by the label the page shows for it.
func wantLabel(t *testing.T, doc *goquery.Document, l labels, path string) {
	t.Helper()
	got := l.label(path)
	if got == path || strings.ContainsAny(got, "_[]") {
		t.Errorf("%s has no label: the summary would name it %q", path, got)
		return
	}
	shown := shownLabel(doc, path)
	if shown == "" {
		shown = shownLabel(doc, l.anchor(path))
	}
	if shown == "" {
		t.Errorf("%s (%q): no field on the page to compare its label with (#%s)", path, got, fieldID(l.anchor(path)))
		return
	}
	want := []string{shown}
	if part, i, field, ok := splitPath(path); ok && field == "" && l.isLines(part) {
		want = []string{shown + " – line " + strconv.Itoa(i+1)}
	}
	if row := rowLegend(doc, path); row != "" {
		want = append(want, row+" – "+shown)
	}
	if _, ok := l.within[path]; ok { // named with its fieldset's legend, as the page groups it
		legend := doc.Find("#" + fieldID(path)).Closest("fieldset").ChildrenFiltered("legend").First().Text()
		want = []string{strings.Join(strings.Fields(legend), " ") + " – " + shown}
	}
	if !slices.Contains(want, got) {
		t.Errorf("%s is named %q in the summary; the page shows %q", path, got, want)
	}
}

// shownLabel is the label the page shows for the element of path, without
// the hint in brackets: a group's legend (a fieldset, or a checkbox or
// radio among others of its name), or the control's <label>.
func shownLabel(doc *goquery.Document, path string) string {
	el := doc.Find("#" + fieldID(path))
	if el.Length() == 0 {
		return ""
	}
	text := func(s *goquery.Selection) string { return short(strings.Join(strings.Fields(s.First().Text()), " ")) }
	if goquery.NodeName(el) == "fieldset" {
		return text(el.ChildrenFiltered("legend"))
	}
	if typ := el.AttrOr("type", ""); typ == "checkbox" || typ == "radio" {
		if doc.Find(`[name="`+el.AttrOr("name", "")+`"]`).Length() > 1 {
			return text(el.Closest("fieldset").ChildrenFiltered("legend"))
		}
	}
	return text(doc.Find(`label[for="` + fieldID(path) + `"]`))
}

// rowLegend is the legend of the row a row's field is in ("Vehicle group
// 1"), "" for a field of no row.
func rowLegend(doc *goquery.Document, path string) string {
	if _, _, field, ok := splitPath(path); !ok || field == "" {
		return ""
	}
	row := doc.Find("#" + fieldID(path)).Closest("fieldset.rowset")
	return strings.Join(strings.Fields(row.ChildrenFiltered("legend").First().Text()), " ")
}

// errorFields are the fields err names.
func errorFields(err error) []string {
	var de *domain.Error
	if !errors.As(err, &de) {
		return nil
	}
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Field)
	}
	return out
}

// detailErrorFields are the fields the domain names in the errors of a
// request's details: every field of a request with one bad row of each
// part, a period the wrong way round, a booking outside the period, too
// many vehicles, and a period ended and one too far ahead.
func detailErrorFields(ref domain.Reference) []string {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	long := strings.Repeat("x", 300)
	bad := domain.Details{ExerciseName: long, Purpose: "", Unit: domain.Unit{ParentFormation: long, Commander: long},
		Personnel: domain.Personnel{Military: -1, Civilian: -1, Contractors: -1},
		Vehicles:  []domain.Vehicle{{Category: "x", Kind: "x"}}, Aircraft: []domain.Aircraft{{}}, Vessels: []domain.Vessel{{Kind: "x", Crew: -1}},
		Weapons:        domain.Weapons{Systems: []string{""}},
		DangerousGoods: []domain.DangerousGood{{UNNumber: "x", NetExplosiveKg: -1, Description: strings.Repeat("x", 2000)}},
		Movements:      []domain.Movement{{Direction: "x", EntryPoint: "x", Mode: "x"}},
		TrainingAreas:  []domain.AreaBooking{{Area: "x"}}, FrameworkID: long,
		Contact: domain.Contact{Email: "x", Phone: long}}
	fields := errorFields(domain.ValidateDetails(bad, ref))
	bad = domain.Details{Period: domain.Period{Start: day("2027-03-10"), End: day("2027-03-01")},
		Movements:     []domain.Movement{{Direction: "exit"}},
		TrainingAreas: []domain.AreaBooking{{From: day("2027-03-10")}, {From: day("2027-03-10"), To: day("2027-03-01")}}}
	fields = append(fields, errorFields(domain.ValidateDetails(bad, ref))...)
	bad = domain.Details{Period: domain.Period{Start: day("2027-03-01"), End: day("2027-03-10")}, Vehicles: make([]domain.Vehicle, domain.MaxListItems+1),
		TrainingAreas: []domain.AreaBooking{{Area: "ravlunda", From: day("2027-02-01"), To: day("2027-03-02")}}}
	fields = append(fields, errorFields(domain.ValidateDetails(bad, ref))...)
	fields = append(fields, errorFields(domain.ValidateTiming(domain.Details{Period: domain.Period{Start: day("2020-01-01"), End: day("2020-01-02")}}, testNow))...)
	fields = append(fields, errorFields(domain.ValidateTiming(domain.Details{Period: domain.Period{Start: day("2030-01-01"), End: day("2030-01-02")}}, testNow))...)
	return fields
}

// frameworkErrorFields are the fields the domain names in the errors of a
// framework agreement's terms.
func frameworkErrorFields(e *env) []string {
	ref := e.ref
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	fields := errorFields(domain.ValidateFramework(domain.FrameworkTerms{Nation: "XX", Notes: strings.Repeat("x", 5000),
		TrainingAreas: []string{"x"}, EntryPoints: []string{"y"}, PersonnelCeiling: -1}, ref))
	fields = append(fields, errorFields(domain.ValidateFramework(domain.FrameworkTerms{ValidFrom: day("2027-01-01")}, ref))...)
	fields = append(fields, errorFields(domain.ValidateFramework(domain.FrameworkTerms{ValidFrom: day("2027-01-01"),
		ValidUntil: day("2026-01-01")}, ref))...)
	return fields
}

// frameworkID creates a framework agreement through the form and returns
// its id.
func frameworkID(t *testing.T, e *env, admin *client) string {
	t.Helper()
	p := admin.post("/admin/frameworks/new", url.Values{"nation": {"NO"}, "name": {"Nordic"}, "reference": {"FW-1"},
		"valid_from": {"2027-01-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {"500"},
		"training_areas": {"ravlunda"}, "entry_points": {"storlien"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create a framework agreement: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
	}
	var id string
	admin.get("/admin").Doc.Find(`a[href^="/admin/frameworks/"]`).Each(func(_ int, a *goquery.Selection) {
		if h := a.AttrOr("href", ""); h != "/admin/frameworks/new" {
			id = strings.TrimPrefix(h, "/admin/frameworks/")
		}
	})
	if id == "" {
		t.Fatal("no framework agreement listed")
	}
	return id
}

// rawPath matches a summary line that names its field by a path
// ("roles: …", "areas[0].capacity: …") rather than a label.
var rawPath = regexp.MustCompile(`^[a-z][a-z0-9_.\[\]]*: `)

// TestAdminSummariesUseLabels: the error summaries of the users pages, the
// administration forms, the notification settings, the audit search and
// the forced password change name each field as the page labels it; they
// named the fields the domain reports by path ("roles: …").
func TestAdminSummariesUseLabels(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin, lo, auditor := e.client().signIn("admin"), e.client().signIn("lo-no"), e.client().signIn("auditor")
	reset := admin.follow(admin.post("/admin/users/"+e.userID("range")+"/reset-password", url.Values{"confirm": {confirmYes}}))
	otp := strings.TrimSpace(reset.Doc.Find(".otp code").Text())
	forced := e.client()
	forced.post("/sign-in", url.Values{"username": {"range"}, "password": {otp}})
	forced.get(pathPassword) // its form's token
	fw := frameworkID(t, e, admin)

	for _, tc := range []struct {
		name string
		p    page
		want []string
	}{
		{"new user", admin.post("/admin/users/new", url.Values{"username": {"No Good"}, "email": {"x"}}),
			[]string{"Username: must be 1-64 characters of a-z, 0-9, '.', '-' or '_'", "Roles: at least one role is required",
				"E-mail address: must be an e-mail address like name@example.org"}},
		{"new user, a role that is none", admin.post("/admin/users/new", url.Values{"username": {"new"}, "roles": {"chief"}, "nation": {"NO"}}),
			[]string{`Roles: unknown role "chief" (one of liaison_officer, hns_officer, …`, "Nation: only liaison officers are bound to a nation"}},
		{"account", admin.post("/admin/users/"+e.userID("ops"), url.Values{"version": {"1"}, "nation": {""}}),
			[]string{"Roles: at least one role is required"}},
		{"users list", admin.get("/admin/users?role=Chief%21&nation=XX&disabled=maybe"),
			[]string{`Role: unknown role "Chief!"`, `Nation: unknown nation "XX"`, "State: must be true or false"}},
		{"framework agreement", admin.post("/admin/frameworks/"+fw, url.Values{"version": {"1"}, "nation": {""}, "name": {"Nordic"},
			"reference": {"FW-1"}, "valid_from": {"2027-06-01"}, "valid_until": {"2027-01-01"}, "personnel_ceiling": {"10"},
			"training_areas": {"ravlunda", "atlantis"}, "entry_points": {"nowhere"}}),
			[]string{"Nation: choose one from the list", "Valid until: must not be before “Valid from”",
				`Training areas: unknown training area "atlantis"; ` + domain.ListedAtTrainingAreas,
				`Entry points: unknown entry point "nowhere"; ` + domain.ListedAtEntryPoints}},
		{"delegation without a role", e.client().signIn("ops").post("/delegations", url.Values{"to": {"gov"}, "role": {""}, "ends": {"2026-12-31"}}),
			[]string{"Role: choose one from the list"}},
		{"training area", admin.post("/admin/areas/eksjo", url.Values{"version": {"1"}, "capacity_personnel": {"0"}}),
			[]string{"Capacity: must be at least 1"}},
		{"webhook", lo.post("/account/webhooks", url.Values{"url": {"ftp://example.org/hook"}}), []string{"Webhook URL: …"}},
		{"audit search", auditor.get("/audit?from=yesterday&action=request.eaten"),
			[]string{"From: " + msg("form.notdate"), `Action: unknown action "request.eaten"; choose one from the list`}},
		{"forced password change", forced.post(pathPassword, url.Values{"new_password": {"short"}, "repeat_password": {"short"}}), []string{"One-time password: is required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := summary(tc.p)
			if len(got) == 0 {
				t.Fatalf("no error summary: %s", strings.Join(strings.Fields(tc.p.Doc.Find("main").Text()), " "))
			}
			for _, s := range got {
				if rawPath.MatchString(s) {
					t.Errorf("the summary names a field by its path: %q", s)
				}
			}
			for _, w := range tc.want {
				if head, ok := strings.CutSuffix(w, "…"); ok && !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, head) }) {
					t.Errorf("the summary has no %q: %q", w, got)
				} else if !ok && !slices.Contains(got, w) {
					t.Errorf("the summary does not say %q: %q", w, got)
				}
			}
			tc.p.Doc.Find(".error-summary a").Each(func(_ int, a *goquery.Selection) {
				if href := a.AttrOr("href", ""); tc.p.Doc.Find(href).Length() != 1 {
					t.Errorf("the summary's %q links to %s, which is not on the page", a.Text(), href)
				}
			})
		})
	}
}
