package web

import (
	"strings"
	"testing"

	"context"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserFormSentTwice: an officer saves a new request, goes back to
// the form (the browser fetches it again and restores what was typed; the
// script puts the form's first key back) and saves again: still one
// request, and the page says so.
func TestBrowserFormSentTwice(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e, chromedp.Flag("disable-features", "BackForwardCache"))
	b.signIn("lo-no")
	b.open("/requests/new", "")
	b.typeIn("#f-exercise-name", "Cold Response 27", "#f-purpose", "Winter training with Swedish units",
		"#f-unit-designation", "Telemark Battalion", "#f-period-start", "2027-03-02", "#f-period-end", "2027-03-20",
		"#f-personnel-military", "450", "#f-movements-0-at", "2027-03-02 09:00",
		"#f-contact-name", "Maj Berg", "#f-contact-email", "berg@mil.no")
	b.choose("#f-movements-0-direction", "entry", "#f-movements-0-entry-point", "storlien", "#f-movements-0-mode", "road")
	b.click(`.actions button[value="save"]`, "")
	if b.text(".notice") != "Draft saved." {
		t.Fatalf("after saving: %s", b.text("main"))
	}
	first := strings.Split(b.location(), "?")[0]
	b.back("/requests/new")
	// Without the back-forward cache the form is fetched afresh, with a
	// new key: the harder case (with the cache the page comes back as it
	// was, its key with it, which is a double post, TestFormSentTwice).
	if nav, _ := chromedp.Run(b.ctx, chromedp.Evaluate[string](`performance.getEntriesByType("navigation")[0].type`)); nav != "back_forward" {
		t.Fatalf("back: the form was not fetched again (%q)", nav)
	}
	if got := b.value("#f-exercise-name"); got != "Cold Response 27" {
		t.Fatalf("back on the form: exercise name %q, want what was typed", got)
	}
	b.click(`.actions button[value="save"]`, "")
	if got := b.text(".notice"); got != "This form was already sent; here is the request." {
		t.Fatalf("sent again: %s", b.text("main"))
	}
	if again := strings.Split(b.location(), "?")[0]; again != first {
		t.Fatalf("sent again: at %s, want the first request %s", again, first)
	}
	if n := countRequests(t, e, "lo-no", "NO"); n != 1 {
		t.Fatalf("%d requests after the form was sent twice, want 1", n)
	}
}

// back goes back in the browser's history to path and waits for the
// page. (The page may come from the back-forward cache, which fires no
// load event: the wait is for the address and a complete document, asked
// again while the navigation replaces the document being asked.)
func (b *browser) back(path string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void]("history.back()"))
	ready := `location.pathname === ` + jsString(path) + ` && document.readyState === "complete" && !!document.querySelector("main")`
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](ready))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("back to %s: not there (%v), at %s", path, err, b.location())
		}
	}
}

// value is the value of the form field sel.
func (b *browser) value(sel string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`document.querySelector(`+jsString(sel)+`).value`))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}
