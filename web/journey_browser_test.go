package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/chromedp/chromedp"
)

// TestBrowserJourney drives the whole permit journey in headless Chromium,
// by clicking and typing: a liaison officer fills in a request (adding a
// warship row without JavaScript), checks its route, submits; intake, range
// safety and operations approve (one operations officer's page goes stale
// and says so); two ministry officials approve; the permit says MAY MOVE;
// another nation sees a 404 page; a revoked permit says NOT PERMITTED.
// Every page passes axe-core's wcag2a and wcag2aa rules.
// pdfPage matches a page object of a PDF (not the /Pages tree).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[^s]`)

func TestBrowserJourney(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)

	b.open("/", "sign-in")
	b.signIn("lo-no")
	// A page of another origin posts a form to the console with the
	// officer's cookie: refused, and nothing is stored.
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><title>Win a prize</title><main><form method="post" action="%s/requests/new">
<input type="hidden" name="exercise_name" value="Forged"><input type="hidden" name="action" value="save">
<button type="submit">Claim</button></form></main></html>`, e.srv.URL)
	}))
	defer evil.Close()
	b.do(chromedp.Navigate(evil.URL), chromedp.WaitReady(chromedp.CSS("main")))
	b.click("main button", "csrf-refused")
	if b.text("h1") != "You may not do this" || !strings.Contains(b.text("main"), "another site") {
		t.Fatalf("a cross-origin form: %s", b.text("main"))
	}
	b.open("/requests", "")
	if strings.Contains(b.text("main"), "Forged") {
		t.Fatal("the cross-origin form stored a request")
	}
	b.click(`main a.button[href="/requests/new"]`, "")
	b.click(`button[value="save"]:not(.default-action)`, "form-errors")
	if !strings.Contains(b.text(".error-summary"), "Exercise name: is required") {
		t.Fatalf("error summary: %s", b.text(".error-summary"))
	}
	b.click(`button[value="add:vehicles"]`, "")
	b.click(`button[value="add:training_areas"]`, "")
	b.typeIn("#f-exercise-name", "Cold Response 27", "#f-purpose", "Winter training with Swedish units",
		"#f-unit-designation", "Telemark Battalion", "#f-period-start", "2027-03-02", "#f-period-end", "2027-03-20",
		"#f-personnel-military", "450", "#f-vehicles-0-count", "12", "#f-weapons-systems", "CV90",
		"#f-movements-0-at", "2027-03-02 09:00", "#f-training-areas-0-from", "2027-03-05", "#f-training-areas-0-to", "2027-03-12",
		"#f-contact-name", "Maj Berg", "#f-contact-email", "berg@mil.no")
	b.choose("#f-vehicles-0-category", "combat", "#f-vehicles-0-kind", "tracked",
		"#f-movements-0-direction", "entry", "#f-movements-0-entry-point", "storlien",
		"#f-movements-0-mode", "road", "#f-training-areas-0-area", "ravlunda")
	b.click(`button[value="add:vessels"]`, "")
	b.typeIn("#f-vessels-0-name", "KNM Thor Heyerdahl", "#f-vessels-0-crew", "120")
	b.choose("#f-vessels-0-kind", "warship")
	b.click(`.actions button[value="dryrun"]`, "dry-run")
	if got := b.text("#dryrun-title + p"); !strings.Contains(got, "Eligible") || !strings.Contains(b.text(".route-steps"), "Ministry") {
		t.Fatalf("dry run: %s / %s", got, b.text(".route-steps"))
	}
	b.click(`button[value="submit"]`, "")
	if !strings.Contains(b.text(".notice"), "Submitted") {
		t.Fatalf("after submit: %s", b.text("main"))
	}
	reqPath := strings.Split(b.location(), "?")[0]
	b.open(reqPath, "request-liaison")
	b.open(reqPath+"/permit", "permit-not-permitted")
	if got := b.text(".banner"); !strings.Contains(got, "NOT PERMITTED") || !strings.Contains(got, "In review") {
		t.Fatalf("permit of a request in review: %s", got)
	}
	b.open("/requests", "my-requests")
	b.signOut()

	for _, who := range []string{"hns", "range"} {
		b.signIn(who)
		b.open("/queue", "queue-"+who)
		b.click(`main table a[href="`+reqPath+`"]`, "")
		b.do(chromedp.Click(chromedp.CSS("#f-outcome"))) // Approve: no outcome is chosen beforehand
		b.click(`form[action$="/decide"] button[type="submit"]`, "")
		if !strings.Contains(b.text(".notice"), "Your decision was recorded") {
			t.Fatalf("%s's decision: %s", who, b.text("main"))
		}
		b.signOut()
	}

	// A stale page: ops opens the request, ops2 decides first elsewhere.
	b.signIn("ops")
	b.open(reqPath, "request-approver")
	id := strings.TrimPrefix(reqPath, "/requests/")
	r, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "ops2", Roles: []domain.Role{domain.RoleOperations}}, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.approvals.Decide(context.Background(), domain.Principal{Subject: "ops2", Roles: []domain.Role{domain.RoleOperations}},
		id, r.Version, domain.DecisionInput{Stage: "operations", Outcome: domain.OutcomeApprove}); err != nil {
		t.Fatal(err)
	}
	b.typeIn("#f-conditions", "No movement on public holidays")
	b.do(chromedp.Click(chromedp.CSS("#f-outcome")))
	b.click(`form[action$="/decide"] button[type="submit"]`, "stale-decision")
	if !strings.Contains(b.text(".warn"), "Someone decided or changed this request meanwhile") ||
		!strings.Contains(b.text("ol.route"), "ops2: Approve") {
		t.Fatalf("stale decision page: %s", b.text("main"))
	}
	b.signOut()

	for _, who := range []string{"gov", "gov2"} {
		b.signIn(who)
		b.open(reqPath, "")
		b.typeIn("#f-conditions", "Escort by Swedish Navy in territorial waters")
		b.do(chromedp.Click(chromedp.CSS("#f-outcome")))
		b.click(`form[action$="/decide"] button[type="submit"]`, "")
		b.signOut()
	}

	b.signIn("lo-no")
	b.open(reqPath+"/permit", "permit-approved")
	if got := b.text(".banner"); got != "MAY MOVE from 2027-03-02 to 2027-03-20" {
		t.Fatalf("permit banner %q", got)
	}
	if !strings.Contains(b.text("main"), "Escort by Swedish Navy") {
		t.Fatal("the permit lacks the conditions")
	}
	if b.text(".signed h2") != "Signed permit" || !strings.Contains(b.text(".signed"), "Download the signed permit") {
		t.Fatalf("the permit page lacks the signed permit's QR code and download: %s", b.text("main"))
	}
	// Printed with its own stylesheet, the permit fits one A4 page.
	pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	if pages := len(pdfPage.FindAll(pdf, -1)); pages != 1 {
		t.Fatalf("the printed permit has %d pages, want 1", pages)
	}
	b.signOut()

	b.signIn("lo-de")
	b.open(reqPath, "not-found")
	if b.text("h1") != "Page not found" || strings.Contains(b.text("main"), "Cold Response") {
		t.Fatalf("another nation's request: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("auditor")
	b.open("/audit", "audit")
	b.open("/requests", "")
	b.open(reqPath, "")
	b.signOut()

	b.signIn("admin")
	b.open("/admin", "admin")
	b.open("/admin/frameworks/new", "")
	b.open("/admin/areas/ravlunda", "")
	b.open("/delegations", "")
	b.open("/admin/users", "users")
	b.click(`main a.button[href="/admin/users/new"]`, "")
	b.click(`main form button[type="submit"]`, "user-errors")
	if !strings.Contains(b.text(".error-summary"), "Username: is required") {
		t.Fatalf("a new user without a name: %s", b.text("main"))
	}
	b.typeIn("#f-username", "lo-se2")
	b.do(chromedp.Click(chromedp.CSS("#f-roles")))
	b.choose("#f-nation", "NO")
	b.click(`main form button[type="submit"]`, "user-created")
	if otp := b.text(".otp code"); len(otp) < 12 {
		t.Fatalf("no one-time password shown: %s", b.text("main"))
	}
	// Disabling the only range safety officer: the account's page warns
	// that nobody holds the role now.
	b.open("/admin/users/"+e.userID("range"), "")
	b.typeIn("#f-reason", "Posted abroad")
	b.click(`form[action$="/disable"] button`, "")
	b.click(`form[action$="/disable"] button.danger`, "users-unheld") // the confirmation page's
	if got := b.text("#unheld-roles"); !strings.Contains(got, "Range safety") {
		t.Fatalf("no warning that nobody holds the range safety role: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("ops")
	b.click(`header a[href="/account/password"]`, "")
	// No current password, and the new one repeated with a typo.
	b.typeIn("#f-new-password", "granite lantern harbour", "#f-repeat-password", "granite lantern harbor")
	b.click(`main form button[type="submit"]`, "password-errors")
	if got := b.text("#f-repeat-password-error"); !strings.Contains(got, "does not match the new password") {
		t.Fatalf("a mistyped repeat: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("hns")
	b.open("/delegations", "")
	b.signOut()

	b.signIn("gov")
	b.open(reqPath, "")
	b.typeIn("#f-revoke-reason", "Exercise cancelled by the sending nation")
	b.click(`form[action$="/revoke"] button`, "revoke-confirm")
	b.click(`main form button.danger`, "")
	b.open(reqPath+"/permit", "permit-revoked")
	if got := b.text(".banner"); !strings.Contains(got, "NOT PERMITTED") || !strings.Contains(got, "Revoked") {
		t.Fatalf("permit of a revoked request: %s", got)
	}
	// An administrator disables the account on the users page: the
	// official's next click lands on the sign-in page.
	admin := e.client().signIn("admin")
	if p := admin.post("/admin/users/"+e.userID("gov")+"/disable", url.Values{"reason": {"posted elsewhere"}, "confirm": {confirmYes}}); p.Status != http.StatusSeeOther {
		t.Fatalf("disable gov: %d", p.Status)
	}
	b.click(`header a[href="/queue"]`, "")
	if b.text("h1") != "Sign in" {
		t.Fatalf("the session of a disabled account still works: %s", b.text("main"))
	}
	t.Logf("axe-core checked %d pages", b.pages)
}
