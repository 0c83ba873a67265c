package web

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserTimeCellsWhole: in headless Chromium at 375 CSS pixels wide,
// where the tables scroll in their regions and their columns are as
// narrow as their content lets them be, a time in a table cell
// ("2026-11-25 23:59 CET (Stockholm)") is on one line, not broken at its
// spaces: a list's and the queue's "Due", a request's history, the
// delegations' period, a webhook's "Created" and the audit log's "When"
// and the times in its data. Each is a <time> element whose datetime is
// the instant in UTC.
func TestBrowserTimeCellsWhole(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	inReview := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns := e.client().signIn("hns")
	if p := hns.post("/delegations", url.Values{"to": {"range"}, "role": {"hns_officer"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a delegation: %d", p.Status)
	}
	if p := hns.post("/account/webhooks", url.Values{"url": {"https://hooks.example.org/a-rather-long-path/for-the-hns-officer"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a webhook: %d", p.Status)
	}
	b := newBrowser(t, e)
	b.do(chromedp.EmulateViewport(375, 800))

	utc := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	pages := []struct{ user, path string }{
		{"lo-no", "/requests"},
		{"hns", "/queue"},
		{"hns", "/requests/" + inReview},
		{"hns", "/delegations"},
		{"hns", "/account/notifications"},
		{"auditor", "/audit"},
	}
	who := ""
	for _, p := range pages {
		if p.user != who {
			if who != "" {
				b.signOut()
			}
			b.signIn(p.user)
			who = p.user
		}
		b.open(p.path, "")
		type timeCell struct {
			Text     string `json:"text"`
			DateTime string `json:"datetime"`
			Lines    int    `json:"lines"`
			Scrolls  bool   `json:"scrolls"`
		}
		cells, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]timeCell](`[...document.querySelectorAll("main td time")].map(el => {
				const tops = [...el.getClientRects()].filter(x => x.width > 0).map(x => x.top).sort((a, b) => a - b);
				const w = el.closest(".table-wrap");
				return {text: el.textContent, datetime: el.getAttribute("datetime") || "",
					lines: tops.filter((top, i) => i === 0 || top - tops[i - 1] > 8).length,
					scrolls: !!w && w.scrollWidth > w.clientWidth};
			})`))
		if err != nil {
			t.Fatal(err)
		}
		if len(cells) == 0 {
			t.Errorf("%s as %s: no <time> in a table cell", p.path, p.user)
		}
		for _, c := range cells {
			if c.Lines != 1 {
				t.Errorf("%s as %s: the time %q in a table cell takes %d lines, want 1", p.path, p.user, c.Text, c.Lines)
			}
			if !utc.MatchString(c.DateTime) {
				t.Errorf("%s as %s: the time %q has datetime %q, want the instant in UTC (RFC 3339)", p.path, p.user, c.Text, c.DateTime)
			}
		}
		if p.path == "/queue" && (len(cells) == 0 || !cells[0].Scrolls) {
			t.Error("the queue's table does not scroll at 375 px: the test no longer sees a narrow column")
		}
	}
}
