package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDryRunAreaAndRefusedSubmit: in the browser, "Check route and
// deadlines" warns of a training area over capacity as a submit would, and
// shows the stages that run at the same time together; a "Save and submit"
// the policy refuses lands on the saved draft's amend form, which says it
// was saved as a draft and not submitted, and why; reloading it and going
// back create no second draft.
func TestBrowserDryRunAreaAndRefusedSubmit(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	requestID(t, e.client().signIn("lo-no").post("/requests/new", withValue(validForm(), "action", "submit"))) // 465 at Ravlunda
	b := newBrowser(t, e)
	b.signIn("lo-de")
	fill := func(start, end, personnel string) {
		b.open("/requests/new", "")
		b.click(`button[value="add:training_areas"]`, "")
		b.typeIn("#f-exercise-name", "Griffin Lightning", "#f-purpose", "Combined arms training",
			"#f-unit-designation", "Panzergrenadierbataillon 411", "#f-period-start", start, "#f-period-end", end,
			"#f-personnel-military", personnel, "#f-movements-0-at", start+" 09:00",
			"#f-training-areas-0-from", start, "#f-training-areas-0-to", end,
			"#f-contact-name", "Maj Weber", "#f-contact-email", "weber@bundeswehr.de")
		b.choose("#f-movements-0-direction", "entry", "#f-movements-0-entry-point", "oresund-bridge",
			"#f-movements-0-mode", "road", "#f-training-areas-0-area", "ravlunda")
	}

	fill("2027-03-05", "2027-03-12", "900") // 900 and the 465 booked: over 1,200
	b.click(`.actions button[value="dryrun"]`, "")
	if got := b.text(".dryrun-warnings"); !strings.Contains(got, "Ravlunda skjutfält would be over capacity on 5–12 March 2027") ||
		strings.Contains(got, "1200") {
		t.Fatalf("dry run: warnings %q in %s", got, b.text("main"))
	}
	if got := b.text(".route-steps"); !strings.Contains(got, "Then, at the same time:") {
		t.Errorf("the route's order: %q", got)
	}

	// Monday 23 November: a period from tomorrow is short of the notice.
	fill("2026-11-24", "2026-11-27", "100")
	b.click(`button[value="submit"]`, "")
	loc := b.location()
	if !strings.HasPrefix(loc, "/requests/") || !strings.HasSuffix(loc, "/edit?done=notsubmitted") {
		t.Fatalf("after a refused submit the page is at %s: %s", loc, b.text("main"))
	}
	says := func(when string) {
		t.Helper()
		if got := b.text("#not-submitted"); !strings.Contains(got, "Saved as a draft, not submitted") {
			t.Errorf("%s: the page says %q", when, got)
		}
		if got := b.text(".error-summary"); !strings.Contains(got, "72 hours") {
			t.Errorf("%s: no reason given: %q", when, got)
		}
		if h1 := b.text("h1"); !strings.Contains(h1, "Amend request") || !strings.Contains(h1, "Draft") {
			t.Errorf("%s: heading %q", when, h1)
		}
	}
	says("after the submit")
	b.do(chromedp.Reload(), chromedp.WaitReady(chromedp.CSS("main")))
	if b.location() != loc {
		t.Errorf("reloaded at %s", b.location())
	}
	says("reloaded")
	b.back("/requests/new")
	b.open("/requests", "")
	if n := b.count(`tbody tr`); n != 1 {
		t.Fatalf("%d requests of Germany after the refused submit, a reload and back: %s", n, b.text("main"))
	}
	if got := b.text("tbody"); !strings.Contains(got, "Draft") {
		t.Errorf("the list: %s", got)
	}
}
