package web

import (
	"strings"
	"testing"

	"exaccess/domain"
)

// TestBrowserDateTypedWrong: in headless Chromium, an approver types a
// first day that is no date and a delegate who is no approver into the
// delegation form, and a liaison officer a first day that is no date into
// the request form and checks the route with the purpose left empty: each
// page names both errors at once, in the summary and beside their fields,
// keeps what was typed, and passes axe-core's wcag2a and wcag2aa rules.
func TestBrowserDateTypedWrong(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)

	b.signIn("hns")
	b.open("/delegations", "")
	b.typeIn("#f-to", "nobody", "#f-starts", "1 December", "#f-ends", "2026-12-20")
	b.click(`form[action="/delegations"] button[type="submit"]`, "")
	sum := b.text(".error-summary")
	for _, want := range []string{"Starts: " + msg("form.notdate"), "Delegate: " + domain.NoDelegateMessage} {
		if !strings.Contains(sum, want) {
			t.Errorf("the delegation form's summary does not say %q: %s", want, sum)
		}
	}
	for _, id := range []string{"#f-starts", "#f-to"} {
		if b.attr(id, "aria-invalid") != "true" {
			t.Errorf("%s is not marked invalid", id)
		}
	}
	if got := b.attr("#f-starts", "value"); got != "1 December" {
		t.Errorf("the first day typed is shown as %q", got)
	}
	b.signOut()

	b.signIn("lo-no")
	b.open("/requests/new", "")
	b.typeIn("#f-exercise-name", "Cold Response 27", "#f-period-start", "2027-3-2", "#f-period-end", "2027-03-20")
	b.click(`.actions button[value="dryrun"]`, "")
	sum = b.text(".error-summary")
	for _, want := range []string{"First day: " + msg("form.notdate"), "Purpose: is required"} {
		if !strings.Contains(sum, want) {
			t.Errorf("the request form's summary does not say %q: %s", want, sum)
		}
	}
	if strings.Contains(sum, "First day: is required") {
		t.Errorf("the summary calls the first day typed missing: %s", sum)
	}
	if b.attr("#f-period-start", "aria-invalid") != "true" || b.attr("#f-purpose", "aria-invalid") != "true" {
		t.Error("the first day or the purpose is not marked invalid")
	}
	if got := b.attr("#f-exercise-name", "value"); got != "Cold Response 27" {
		t.Errorf("the exercise name typed is shown as %q", got)
	}
	t.Logf("axe-core checked %d pages", b.pages)
}
