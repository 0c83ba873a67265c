package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// decideAs records a decision through the service, as another officer's
// screen would.
func (e *env) decideAs(who string, role domain.Role, id string, in domain.DecisionInput) {
	e.t.Helper()
	ctx, p := context.Background(), domain.Principal{Subject: who, Roles: []domain.Role{role}}
	r, err := e.requests.GetRequest(ctx, p, id)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.approvals.Decide(ctx, p, id, r.Version, in); err != nil {
		e.t.Fatalf("%s decides %s: %v", who, in.Stage, err)
	}
}

// approveAll takes a submitted request of validForm through intake, range
// safety and operations.
func (e *env) approveAll(id string) {
	e.t.Helper()
	e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
	e.decideAs("range", domain.RoleRange, id, domain.DecisionInput{Stage: "range_safety", Outcome: domain.OutcomeApprove})
	e.decideAs("ops", domain.RoleOperations, id, domain.DecisionInput{Stage: "operations", Outcome: domain.OutcomeApprove})
}

// formVersion is the version a form of the page carries.
func formVersion(p page, action string) string {
	return p.Doc.Find(`form[action$="/`+action+`"] input[name="version"]`).AttrOr("value", "")
}

// wantFieldError checks that the summary has one link to the field with
// id, reading text, and that the field is marked invalid and described by
// its error, which says msg.
func wantFieldError(t *testing.T, p page, id, text, msg string) {
	t.Helper()
	link := p.Doc.Find(`.error-summary a[href="#` + id + `"]`).FilterFunction(func(_ int, a *goquery.Selection) bool {
		return strings.TrimSpace(a.Text()) == text
	})
	if link.Length() != 1 {
		t.Errorf("summary link to #%s: %d, %q; want %q. Summary: %s", id, link.Length(), link.Text(), text, p.Doc.Find(".error-summary").Text())
	}
	f := p.Doc.Find("#" + id)
	if f.Length() != 1 {
		t.Errorf("no field #%s on the page", id)
		return
	}
	// A group's first field is inside the fieldset that the error describes.
	described := f
	if g := f.Closest(`fieldset[aria-describedby]`); f.AttrOr("aria-describedby", "") == "" && g.Length() > 0 {
		described = g
	} else if f.AttrOr("aria-invalid", "") != "true" {
		t.Errorf("#%s is not aria-invalid", id)
	}
	// Described by its error, and by its hint if it has one.
	ids := strings.Fields(described.AttrOr("aria-describedby", ""))
	var said string
	for _, d := range ids {
		if e := p.Doc.Find("#" + d); e.Length() == 1 {
			said += e.Text()
		}
	}
	if len(ids) == 0 || !strings.Contains(said, msg) {
		t.Errorf("#%s is described by %q: %q; want %q", id, ids, said, msg)
	}
}

// pathInText finds a field path shown as such: "vehicles[0]", "period.start",
// "override_reason".
var pathInText = regexp.MustCompile(`[a-z]\[\d|\b[a-z]+\.[a-z]+_?[a-z]*\b|\b[a-z]+_[a-z]+\b`)

// TestReasonErrorsNameTheFieldOnThePage: a revocation without a reason and
// a withdrawal with a reason too long come back with the error beside the
// reason field of the page's form, the summary naming and linking that
// field, what was typed kept, and a banner that says what did not happen.
// Done, each leaves a notice.
func TestReasonErrorsNameTheFieldOnThePage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(id)
		ops := e.client().signIn("ops")
		page := ops.get("/requests/" + id)
		p := ops.post("/requests/"+id+"/revoke", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "revoke")}, "reason": {"  "}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantFieldError(t, p, "f-revoke-reason", "Reason for revoking: is required", "is required")
		if w := p.Doc.Find(".warn").Text(); w != "The permit was not revoked" {
			t.Errorf("banner %q", w)
		}
		r := ops.post("/requests/"+id+"/revoke", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "revoke")}, "reason": {"Exercise cancelled"}})
		if loc := r.Header.Get("Location"); loc != "/requests/"+id+"?done=revoked" {
			t.Fatalf("revoke: %d %q", r.Status, loc)
		}
		if n := ops.get("/requests/" + id + "?done=revoked").Doc.Find(".notice").Text(); n != "The permit was revoked." {
			t.Errorf("notice after revoking: %q", n)
		}

		other := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		page = lo.get("/requests/" + other)
		long := strings.Repeat("x", domain.MaxPurpose+1)
		p = lo.post("/requests/"+other+"/withdraw", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "withdraw")}, "reason": {long}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantFieldError(t, p, "f-withdraw-reason", "Reason for withdrawing: must be at most 4000 characters", "at most 4000")
		if got := p.Doc.Find("#f-withdraw-reason").AttrOr("value", ""); got != long {
			t.Errorf("the typed reason was not kept (%d characters)", len(got))
		}
		if w := p.Doc.Find(".warn").Text(); w != "The request was not withdrawn" {
			t.Errorf("banner %q", w)
		}
		r = lo.post("/requests/"+other+"/withdraw", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "withdraw")}, "reason": {"Exercise moved"}})
		if loc := r.Header.Get("Location"); loc != "/requests/"+other+"?done=withdrawn" {
			t.Fatalf("withdraw: %d %q", r.Status, loc)
		}
		if n := lo.get("/requests/" + other + "?done=withdrawn").Doc.Find(".notice").Text(); n != "The request was withdrawn." {
			t.Errorf("notice after withdrawing: %q", n)
		}
	})
}

// TestDecisionFormFollowsSeparationOfDuties: an officer holding intake and
// range safety who approved intake is not offered range safety (which the
// domain would refuse them, and which their queue leaves out) but told
// why; an approver with no stage open is told so.
func TestDecisionFormFollowsSeparationOfDuties(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		hash, err := auth.HashPassword(testPassword)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.accounts.CreateUser(context.Background(), "admin",
			domain.User{Username: "hns-range", Roles: []domain.Role{domain.RoleHNS, domain.RoleRange}}, hash); err != nil {
			t.Fatal(err)
		}
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		gov := e.client().signIn("gov")
		if got := gov.get("/requests/" + id).Doc.Find("#decide-title").Parent().Text(); !strings.Contains(got, "There is no stage of this request you may decide now.") {
			t.Errorf("ministry before its stage: %q", got)
		}
		hr := e.client().signIn("hns-range")
		page := hr.get("/requests/" + id)
		opts := page.Doc.Find(`form[action$="/decide"] select[name="stage"] option`)
		if opts.Length() != 1 || opts.Text() != "Host nation support (intake)" || opts.AttrOr("value", "") != "intake" {
			t.Fatalf("stages offered at intake: %d %q", opts.Length(), opts.Text())
		}
		requestID(t, hr.post("/requests/"+id+"/decide", url.Values{"version": {formVersion(page, "decide")}, "stage": {"intake"}, "outcome": {"approve"}}))
		page = hr.get("/requests/" + id)
		if page.Doc.Find(`form[action$="/decide"]`).Length() != 0 {
			t.Fatalf("offered a stage separation of duties refuses: %s", page.Doc.Find(`form[action$="/decide"] select`).Text())
		}
		if got := page.Doc.Find("#decide-title").Parent().Text(); !strings.Contains(got, "You have already decided on this request or created it.") {
			t.Errorf("no reason for the missing form: %q", got)
		}
		if rows := hr.get("/queue").Doc.Find("main table tbody tr").Length(); rows != 0 {
			t.Errorf("the queue offers %d stages", rows)
		}
		if opts := e.client().signIn("range").get("/requests/" + id).Doc.Find(`form[action$="/decide"] select[name="stage"] option`); opts.Text() != "Range safety" {
			t.Errorf("range officer: %q", opts.Text())
		}
	})
}

// TestReasonsReachTheLiaisonOfficer: the reason of a revocation and of a
// withdrawal is on the request's history and its permit page for the
// liaison officer, as in the API's history and the notice; an approver's
// override reason is on approvers' history only.
func TestReasonsReachTheLiaisonOfficer(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		big := withValue(validForm(), "personnel.military", "700")
		first := requestID(t, lo.post("/requests/new", withValue(big, "action", "submit")))
		second := requestID(t, lo.post("/requests/new", withValue(withValue(big, "exercise_name", "Second"), "action", "submit")))
		e.approveAll(first)
		e.decideAs("hns", domain.RoleHNS, second, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
		e.decideAs("range", domain.RoleRange, second, domain.DecisionInput{Stage: "range_safety", Outcome: domain.OutcomeApprove})

		// Ravlunda holds 1200: the final approval of the second needs an override.
		ops := e.client().signIn("ops")
		page := ops.get("/requests/" + second)
		form := url.Values{"version": {formVersion(page, "decide")}, "stage": {"operations"}, "outcome": {"approve"}}
		p := ops.post("/requests/"+second+"/decide", form)
		wantStatus(t, p, http.StatusConflict)
		wantFieldError(t, p, "f-override-reason", p.Doc.Find(`.error-summary a[href="#f-override-reason"]`).Text(), "approve anyway")
		if got := p.Doc.Find(".error-summary").Text(); !strings.Contains(got, "Override reason: approving would conflict") ||
			!strings.Contains(got, "give “Override reason” to approve anyway") || strings.Contains(got, "override_reason") {
			t.Errorf("area conflict summary: %s", got)
		}
		requestID(t, ops.post("/requests/"+second+"/decide", withValue(form, "override_reason", "Both units share the range under one order")))
		if got := ops.get("/requests/" + second).Doc.Find("table.history").Text(); !strings.Contains(got, "Override reason: “Both units share the range under one order”") {
			t.Errorf("the approver's history lacks the override reason: %s", got)
		}
		if got := lo.get("/requests/" + second).Doc.Find("main").Text(); strings.Contains(got, "Both units share") {
			t.Error("the liaison officer sees the override reason")
		}

		page = ops.get("/requests/" + first)
		requestID(t, ops.post("/requests/"+first+"/revoke", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "revoke")}, "reason": {"Range closed by fire"}}))
		if got := lo.get("/requests/" + first).Doc.Find("table.history").Text(); !strings.Contains(got, "Permit revoked") || !strings.Contains(got, "Reason: “Range closed by fire”") {
			t.Errorf("the liaison officer's history of a revocation: %s", got)
		}
		if got := lo.get("/requests/" + first + "/permit").Doc.Find(".permit-reason").Text(); got != "Reason given: “Range closed by fire”" {
			t.Errorf("permit of a revoked request: %q", got)
		}

		third := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		page = lo.get("/requests/" + third)
		requestID(t, lo.post("/requests/"+third+"/withdraw", url.Values{"confirm": {"yes"}, "version": {formVersion(page, "withdraw")}, "reason": {"Exercise moved to May"}}))
		if got := lo.get("/requests/" + third + "/permit").Doc.Find(".permit-reason").Text(); got != "Reason given: “Exercise moved to May”" {
			t.Errorf("permit of a withdrawn request: %q", got)
		}
		if got := lo.get("/requests/" + third).Doc.Find("table.history").Text(); !strings.Contains(got, "Reason: “Exercise moved to May”") {
			t.Errorf("history of a withdrawal: %s", got)
		}
	})
}

// TestErrorSummariesUseLabels: the error summaries of the request form, the
// decision form and the password form name each field as the page labels
// it, in the page's words, never by its path; each error is beside its
// field (a group's, beside the group, the summary linking its first
// field), tied to it by aria-describedby.
func TestErrorSummariesUseLabels(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	f := withValue(validForm(), "vehicles[0].category", "amphibious")
	f.Set("period.end", "2027-03-01")
	f.Set("training_areas[0].to", "")
	f.Set("training_areas[0].area", "")
	f.Set("training_areas[0].from", "")
	f.Set("weapons.systems", "CV90\n"+strings.Repeat("M", 201))
	f.Set("personnel.military", "0")
	f.Set("personnel.civilian", "0")
	f.Set("personnel.contractors", "0")
	f.Set("movements[0].direction", "exit")
	f.Set("action", "save")
	p := lo.post("/requests/new", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-vehicles-0-category", "Vehicle group 1 – Category: must be one of Combat, Non-combat", "must be one of Combat, Non-combat")
	wantFieldError(t, p, "f-period-end", "Last day: must not be before “First day”", "must not be before “First day”")
	wantFieldError(t, p, "f-weapons-systems", "Weapon systems – line 2: must be at most 200 characters", "Line 2: must be at most 200 characters")
	wantFieldError(t, p, "f-personnel-military", "Personnel: the total must be at least 1", "the total must be at least 1")
	wantFieldError(t, p, "f-movements-0-direction", "Border crossings: at least one entry movement is required", "at least one entry movement")
	if got := p.Doc.Find(".error-summary").Text(); pathInText.MatchString(got) {
		t.Errorf("the summary shows a field path %q: %s", pathInText.FindString(got), got)
	}
	p.Doc.Find(".error-summary a").Each(func(_ int, a *goquery.Selection) {
		if href := a.AttrOr("href", ""); p.Doc.Find(href).Length() != 1 {
			t.Errorf("summary link %s points at nothing", href)
		}
	})
	// A select left at "Choose…" says "choose", with the choices when
	// they are few and fixed; a value not among them keeps "must be one
	// of" (above).
	f = validForm()
	for _, k := range []string{"vehicles[0].kind", "movements[0].entry_point", "movements[0].mode", "training_areas[0].area"} {
		f.Set(k, "")
	}
	f.Set("vessels[0].name", "KNM Fridtjof Nansen")
	f.Set("vessels[0].crew", "120")
	f.Set("action", "save")
	p = lo.post("/requests/new", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-vehicles-0-kind", "Vehicle group 1 – Kind: choose Wheeled or Tracked", "choose Wheeled or Tracked")
	wantFieldError(t, p, "f-vessels-0-kind", "Vessel 1 – Kind: choose Warship, Auxiliary or Other", "choose Warship, Auxiliary or Other")
	wantFieldError(t, p, "f-movements-0-mode", "Crossing 1 – Mode: choose Road, Rail, Sea or Air", "choose Road, Rail, Sea or Air")
	wantFieldError(t, p, "f-movements-0-entry-point", "Crossing 1 – Entry point: choose one from the list", "choose one from the list")
	wantFieldError(t, p, "f-training-areas-0-area", "Booking 1 – Training area: choose one from the list", "choose one from the list")
	if got := p.Doc.Find(".error-summary").Text(); strings.Contains(got, "must be one of") || strings.Contains(got, "is required") {
		t.Errorf("an empty select says \"must be one of\" or \"is required\": %s", got)
	}
	// A booking outside the period: the row's error, linked to its dates.
	p = lo.post("/requests/new", withValue(withValue(validForm(), "training_areas[0].to", "2027-04-30"), "action", "save"))
	wantFieldError(t, p, "f-training-areas-0-from", "Booking 1: the dates must be inside the period", "inside the period")
	// A reversed period: its error alone, the booking not also "outside" it.
	p = lo.post("/requests/new", withValue(withValue(validForm(), "period.end", "2027-03-01"), "action", "save"))
	if got := summary(p); len(got) != 1 || got[0] != "Last day: must not be before “First day”" {
		t.Errorf("a reversed period: the summary says %q, want only the last day's error", got)
	}

	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns := e.client().signIn("hns")
	version := formVersion(hns.get("/requests/"+id), "decide")
	p = hns.post("/requests/"+id+"/decide", url.Values{"version": {version}, "stage": {"intake"}, "outcome": {"reject"}, "conditions": {"Stay on roads"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantFieldError(t, p, "f-comment", "Comment: give your reasons: a rejection or a request for changes needs them", "give your reasons")
	wantFieldError(t, p, "f-conditions", "Conditions: only an approval carries conditions", "only an approval")
	p = hns.post("/requests/"+id+"/decide", url.Values{"version": {version}, "stage": {"intake"}, "outcome": {"maybe"},
		"conditions": {strings.Repeat("c", domain.MaxConditionText+1)}})
	wantFieldError(t, p, "f-outcome", "Decision: must be one of Approve, Request changes, Reject", "must be one of Approve")
	wantFieldError(t, p, "f-conditions", "Conditions – line 1: must be at most 1000 characters", "Line 1: must be at most 1000")
	if got := p.Doc.Find(".error-summary").Text(); pathInText.MatchString(got) {
		t.Errorf("the decision summary shows a field path %q: %s", pathInText.FindString(got), got)
	}
	// No decision chosen: "choose", as an empty select of the request form.
	p = hns.post("/requests/"+id+"/decide", url.Values{"version": {version}, "stage": {"intake"}})
	wantFieldError(t, p, "f-outcome", "Decision: choose Approve, Request changes or Reject", "choose Approve")

	ops := e.client().signIn("ops")
	p = ops.post(pathPassword, url.Values{"old_password": {testPassword}, "new_password": {"short"}, "repeat_password": {"short"}})
	if got := p.Doc.Find(`.error-summary a[href="#f-new-password"]`).Text(); got != "New password: must be at least 12 characters" {
		t.Errorf("password summary %q", got)
	}
	p = ops.post(pathPassword, url.Values{"new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrase"}})
	if got := p.Doc.Find(`.error-summary a[href="#f-old-password"]`).Text(); got != "Current password: is required" {
		t.Errorf("password summary %q", got)
	}
}

// TestRequestPageWords: a request's page shows choices and outcomes in
// words, a decision in its history with its stage and outcome, the
// stage select once by role, and calls changing a request "amend"
// wherever it is offered.
func TestRequestPageWords(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	f := withValue(withValue(validForm(), "vessels[0].name", "KNM Thor"), "vessels[0].kind", "warship")
	id := requestID(t, lo.post("/requests/new", withValue(f, "action", "submit")))
	e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeRequestChanges, Comment: "Give the crossing times."})
	p := lo.get("/requests/" + id)
	text := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
	for _, w := range []string{"12 × Combat, Tracked", "Entry into Sweden: Storlien", "Exit from Sweden: Storlien", ", Road",
		"KNM Thor (Warship, Crew 0)", "hns: Request changes", "Decision of Host nation support (intake): Request changes",
		"Comment: “Give the crossing times.”"} {
		if !strings.Contains(text, w) {
			t.Errorf("the request page lacks %q: %s", w, text)
		}
	}
	for _, code := range []string{"request_changes", "combat", "tracked", ": entry"} {
		if strings.Contains(text, code) {
			t.Errorf("the request page shows the code %q", code)
		}
	}
	if got := p.Doc.Find(`a[href="/requests/` + id + `/edit"]`).Text(); got != "Amend request" {
		t.Errorf("amend button %q", got)
	}
	if got := lo.get("/requests/" + id + "/edit").Doc.Find("h1").Text(); !strings.HasPrefix(got, "Amend request") {
		t.Errorf("amend form heading %q", got)
	}
	if got := lo.get("/requests/" + id + "/permit").Doc.Find("main").Text(); !strings.Contains(got, "Entry into Sweden: Storlien") || !strings.Contains(got, "(Road)") {
		t.Errorf("permit page: %s", got)
	}
}

// TestStaleAmendmentKeepsTyping: an amendment from a form older than the
// request saves nothing and comes back with everything typed, the version
// it was made from (so saving again blindly is refused again), and the
// current version; ticking the box saves over that version.
func TestStaleAmendmentKeepsTyping(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		edit := lo.get("/requests/" + id + "/edit")
		version := edit.Doc.Find(`input[name="version"]`).AttrOr("value", "")
		// A colleague amends it first.
		ctx, p := context.Background(), domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
		r, err := e.requests.GetRequest(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		d := r.Details
		d.Purpose = "Amended by a colleague"
		if _, err := e.requests.UpdateDetails(ctx, p, id, r.Version, d); err != nil {
			t.Fatal(err)
		}
		f := withValue(validForm(), "purpose", "My own purpose")
		f.Set("exercise_name", "Cold Response 27 (amended)")
		f.Set("version", version)
		f.Set("action", "save")
		stale := lo.post("/requests/"+id+"/edit", f)
		wantStatus(t, stale, http.StatusConflict)
		box := strings.Join(strings.Fields(stale.Doc.Find(".error-summary").First().Text()), " ")
		now := strconv.Itoa(r.Version + 1)
		if !strings.Contains(box, "Someone changed this request meanwhile") || !strings.Contains(box, "now at version "+now+" (Draft)") ||
			!strings.Contains(box, "Your form differs from it in: Exercise name, Purpose.") {
			t.Errorf("stale notice: %s", box)
		}
		if got := stale.Doc.Find("#f-purpose").Text(); got != "My own purpose" {
			t.Errorf("the typed purpose was not kept: %q", got)
		}
		if got := stale.Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != version {
			t.Errorf("the form carries version %q, want the one it was made from, %s", got, version)
		}
		if got := stale.Doc.Find(`input[name="confirm_version"]`).AttrOr("value", ""); got != now {
			t.Errorf("confirm box for version %q, want %s", got, now)
		}
		// Sent again as it is: refused again, nothing overwritten.
		wantStatus(t, lo.post("/requests/"+id+"/edit", f), http.StatusConflict)
		if r, _ := e.requests.GetRequest(ctx, p, id); r.Purpose != "Amended by a colleague" {
			t.Fatalf("a blind resubmit overwrote the colleague's change: %q", r.Purpose)
		}
		ok := lo.post("/requests/"+id+"/edit", withValue(f, "confirm_version", now))
		if loc := ok.Header.Get("Location"); loc != "/requests/"+id+"?done=saved" {
			t.Fatalf("confirmed save: %d %q", ok.Status, loc)
		}
		if r, _ := e.requests.GetRequest(ctx, p, id); r.Purpose != "My own purpose" || r.ExerciseName != "Cold Response 27 (amended)" {
			t.Fatalf("after the confirmed save: %q %q", r.ExerciseName, r.Purpose)
		}
	})
}

// TestSubmitErrorsLinkTheAmendForm: a draft that can no longer be submitted
// as it is (its period ended meanwhile) names the field by its label and
// links it on the amend form, where it is, not on the request's page,
// where it is not.
func TestSubmitErrorsLinkTheAmendForm(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	id := requestID(t, e.client().signIn("lo-no").post("/requests/new", withValue(validForm(), "action", "save")))
	e.clock = func() time.Time { return time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC) }
	lo := e.client().signIn("lo-no")
	page := lo.get("/requests/" + id)
	p := lo.post("/requests/"+id+"/submit", url.Values{"version": {formVersion(page, "submit")}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	link := p.Doc.Find(".error-summary a")
	if link.Length() != 1 || link.AttrOr("href", "") != "/requests/"+id+"/edit#f-period-end" || link.Text() != "Last day: the period has already ended" {
		t.Fatalf("summary: %d %q %q", link.Length(), link.AttrOr("href", ""), link.Text())
	}
	if lo.get("/requests/"+id+"/edit").Doc.Find("#f-period-end").Length() != 1 {
		t.Fatal("the link's field is not on the amend form")
	}
}
