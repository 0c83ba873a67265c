package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserEnterChecks: Enter in a field of the request form, with the
// page's script on or off, runs the check ("Check route and deadlines"),
// which saves nothing, and does not save a draft: a complete form comes
// back with the route, a half-filled one with what is missing, and no
// request is stored either way.
func TestBrowserEnterChecks(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)
	b.signIn("lo-no")
	for _, script := range []bool{true, false} {
		b.setScripts(script)
		b.open("/requests/new", "")
		b.click(`button[value="add:training_areas"]`, "")
		b.typeIn("#f-exercise-name", "Cold Response 27", "#f-purpose", "Winter training",
			"#f-unit-designation", "Telemark Battalion", "#f-period-start", "2027-03-02", "#f-period-end", "2027-03-20",
			"#f-personnel-military", "450", "#f-movements-0-at", "2027-03-02 09:00",
			"#f-training-areas-0-from", "2027-03-05", "#f-training-areas-0-to", "2027-03-12",
			"#f-contact-name", "Maj Berg", "#f-contact-email", "berg@mil.no")
		b.choose("#f-movements-0-direction", "entry", "#f-movements-0-entry-point", "storlien",
			"#f-movements-0-mode", "road", "#f-training-areas-0-area", "ravlunda")
		b.press("#f-unit-designation", kb.Enter)
		if loc := b.location(); loc != "/requests/new" {
			t.Fatalf("scripts %v: Enter in a complete form led to %s: %s", script, loc, b.text("main"))
		}
		if got := b.text("#dryrun-title"); got != "What this request will need" {
			t.Errorf("scripts %v: Enter in a complete form did not check it: %s", script, b.text("main"))
		}
		if got := b.value("#f-exercise-name"); got != "Cold Response 27" {
			t.Errorf("scripts %v: the check lost the exercise name: %q", script, got)
		}

		b.open("/requests/new", "")
		b.typeIn("#f-exercise-name", "Half done")
		b.press("#f-exercise-name", kb.Enter)
		if loc := b.location(); loc != "/requests/new" {
			t.Fatalf("scripts %v: Enter in a half-filled form led to %s", script, loc)
		}
		if b.count(".error-summary a") == 0 {
			t.Errorf("scripts %v: the check of a half-filled form names nothing missing: %s", script, b.text("main"))
		}
	}
	b.setScripts(true)
	b.open("/requests", "")
	if !strings.Contains(b.text("main"), "No requests match.") {
		t.Errorf("Enter stored requests: %s", b.text("main"))
	}
}

// TestBrowserSummaryLinksShowLabels: a link of the error summary scrolls
// to its field with the field's label and error on screen above it, and,
// for an error of a group of fields (which links to the group's first
// field), the group's legend and error too; on a wide and on a narrow
// window.
func TestBrowserSummaryLinksShowLabels(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)
	b.signIn("lo-no")
	for _, w := range []int64{1280, 375} {
		b.do(chromedp.EmulateViewport(w, 700))
		b.open("/requests/new", "")
		b.typeIn("#f-movements-0-at", "soon")
		b.choose("#f-movements-0-direction", "exit") // no entry: an error of the crossings, a group
		b.click(`.actions button[value="save"]`, "")
		hrefs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".error-summary a")].map(a => a.getAttribute("href"))`))
		if err != nil {
			t.Fatal(err)
		}
		if len(hrefs) < 5 {
			t.Fatalf("%d px: %d summary links: %s", w, len(hrefs), b.text(".error-summary"))
		}
		groups := 0
		for _, href := range hrefs {
			b.do(chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
			b.do(chromedp.Click(chromedp.CSS(`.error-summary a[href="` + href + `"]`)))
			time.Sleep(100 * time.Millisecond)
			type seen struct {
				Scrolled float64 `json:"scrolled"`
				// Top is the top of each of the label (a fieldset's legend),
				// the field's error, the field, and, in a group with an
				// error whose first field it is, the group's legend and its
				// error.
				Top map[string]float64 `json:"top"`
			}
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[seen](`(() => {
				const el = document.querySelector(`+jsString(href)+`), top = {};
				const at = (name, e) => { if (e) { top[name] = e.getBoundingClientRect().top; } };
				at("field", el);
				at("label", el.tagName === "FIELDSET" ? el.querySelector("legend") : document.querySelector('label[for="' + el.id + '"]'));
				at("error", document.getElementById(el.id + "-error"));
				const group = el.parentElement.closest("fieldset.field-invalid");
				if (group && group.querySelector("input, select, textarea") === el) { at("group legend", group.querySelector("legend")); at("group error", document.getElementById(group.id + "-error")); }
				return {scrolled: window.scrollY, top: top};
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if got.Scrolled == 0 {
				t.Errorf("%d px: %s: the link did not scroll", w, href)
			}
			if _, ok := got.Top["group legend"]; ok {
				groups++
			}
			for name, top := range got.Top {
				if top < 0 {
					t.Errorf("%d px: %s: its %s is at %.0f px, off the top of the window (%v)", w, href, name, top, got.Top)
				}
			}
		}
		if groups == 0 {
			t.Errorf("%d px: no summary link to a group of fields: %v", w, hrefs)
		}
	}
}
