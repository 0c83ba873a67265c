package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFormStates visits, in headless Chromium, the error and stale
// states of the forms that are not on the permit journey: a refused
// sign-in, a training area saved from a stale page (and saved again as
// shown, which keeps the other administrator's value), the framework and
// training area forms with errors, the administrator's own account page
// (no control for their own roles, no disabling or reset of their own
// account, a link to change their password) and disabling the last administrator, the
// audit search and export with bad dates, and the forced password change.
// Every page passes axe-core's wcag2a and wcag2aa rules.
func TestBrowserFormStates(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)

	b.open("/sign-in", "")
	b.typeIn("#f-username", "admin", "#f-password", "not the password")
	b.click(`main form button[type="submit"]`, "sign-in-refused")
	if got := b.attr("#f-username", "aria-invalid"); got != "true" {
		t.Fatalf("a refused sign-in: username aria-invalid %q", got)
	}

	b.signIn("admin")
	b.open("/admin/areas/eksjo", "")
	other := e.client().signIn("admin") // another administrator saves first
	if p := other.post("/admin/areas/eksjo", url.Values{"version": {"1"}, "capacity_personnel": {"900"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("the other administrator's save: %d", p.Status)
	}
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#f-capacity-personnel").value = ""`))
	b.typeIn("#f-capacity-personnel", "700")
	b.click(`main form button[type="submit"]`, "area-stale")
	if got := b.text("#stale"); !strings.Contains(got, "changed this training area meanwhile") || !strings.Contains(got, "700") ||
		b.attr("#f-capacity-personnel", "value") != "900" {
		t.Fatalf("the stale area: %s", b.text("main"))
	}
	b.click(`main form button[type="submit"]`, "")
	if got := b.text(`main tr:has(a[href="/admin/areas/eksjo"])`); !strings.Contains(got, "900") {
		t.Fatalf("after saving the stale page as shown: %s", got)
	}
	if got := b.text(".notice"); got != "Training area Eksjö skjutfält saved." {
		t.Fatalf("after saving the training area: notice %q", got)
	}

	b.open("/admin/frameworks/new", "")
	b.click(`main form button[type="submit"]`, "framework-errors")
	if b.attr("#f-name", "aria-invalid") != "true" || b.attr("#f-training-areas", "aria-describedby") != "f-training-areas-error" {
		t.Fatalf("the framework form's errors: %s", b.text(".error-summary"))
	}
	b.open("/admin/areas/ravlunda", "")
	b.typeIn("#f-blackout-days", "soon")
	b.click(`main form button[type="submit"]`, "")
	if b.attr("#f-blackout-days", "aria-invalid") != "true" {
		t.Fatalf("a bad blackout day: %s", b.text(".error-summary"))
	}

	// The administrator's own page: their roles and nation are another
	// administrator's to change, so the page offers no control for them;
	// nor does it offer to disable their own account: another
	// administrator must.
	b.open("/admin/users/"+e.userID("admin"), "")
	if !strings.Contains(b.text(".own-powers"), "another administrator changes its roles and nation") ||
		b.count(`input[type="checkbox"][name="roles"]`) != 0 {
		t.Fatalf("the administrator's own page: %s", b.text("main"))
	}
	if b.count(`form[action$="/disable"]`) != 0 || !strings.Contains(b.text(".own-disable"), "another administrator disables it") {
		t.Fatalf("the administrator's own page offers to disable it: %s", b.text("main"))
	}
	// Nor to reset their own password, which would end the session that
	// is to show the one-time password: it points to changing it instead.
	if b.count(`form[action$="/reset-password"]`) != 0 || !strings.Contains(b.text(".own-reset"), "nobody resets their own password") {
		t.Fatalf("the administrator's own page offers to reset their password: %s", b.text("main"))
	}
	b.click(".own-reset a", "")
	if got := b.location(); got != pathPassword || !strings.Contains(b.text("header"), "admin") {
		t.Fatalf("the own page's link to change the password led to %s: %s", got, b.text("main"))
	}
	reset := other.follow(other.post("/admin/users/"+e.userID("ops")+"/reset-password", url.Values{"confirm": {confirmYes}}))
	otp := strings.TrimSpace(reset.Doc.Find(".otp code").Text())
	b.signOut()

	b.signIn("auditor")
	b.open("/audit?from=yesterday", "")
	if b.attr("#f-from", "aria-invalid") != "true" || strings.Contains(b.text("main"), "No entries match") {
		t.Fatalf("a bad search date: %s", b.text("main"))
	}
	b.open("/audit", "")
	b.typeIn("#x-from", "2026-13-01")
	b.click(`form[action="/audit/export"] button[value="csv"]`, "")
	if b.attr("#x-from", "aria-invalid") != "true" {
		t.Fatalf("a bad export date: %s", b.text("main"))
	}
	b.signOut()

	b.open("/sign-in", "")
	b.typeIn("#f-username", "ops", "#f-password", otp)
	b.click(`main form button[type="submit"]`, "")
	if got := b.text(`label[for="f-old-password"]`); got != "One-time password" {
		t.Fatalf("the forced change page: %q", got)
	}
	t.Logf("axe-core checked %d pages", b.pages)
}

// attr is the attribute name of sel on the current page ("value" is the
// control's current value), "" if there is none.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	js := `((document.querySelector(` + jsString(sel) + `) || {getAttribute: () => ""}).getAttribute(` + jsString(name) + `) || "")`
	if name == "value" {
		js = `(document.querySelector(` + jsString(sel) + `) || {value: ""}).value`
	}
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}
