package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/chromedp/chromedp"
)

// TestBrowserReflow: at 375 CSS pixels wide (WCAG 1.4.10, Reflow: 320 px
// at 400 % zoom is the rule, 375 px a small phone) no page of the
// console is wider than the window, so nothing needs scrolling sideways but
// a wide table, which scrolls inside its own focusable, labelled region.
// Each page is the kind with the most columns and the widest controls:
// a liaison officer's and an approver's lists, the request form with its
// border crossings, the queue, the audit log with rows, and the request
// page of an approver (route, history, decision form).
func TestBrowserReflow(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	inReview := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	approved := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.approveAll(approved)
	hns := e.client().signIn("hns")
	if p := hns.post("/delegations", url.Values{"to": {"range"}, "role": {"hns_officer"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a delegation: %d", p.Status)
	}
	if p := hns.post("/account/webhooks", url.Values{"url": {"https://hooks.example.org/a-rather-long-path/for-the-hns-officer"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a webhook: %d", p.Status)
	}
	b := newBrowser(t, e)
	b.do(chromedp.EmulateViewport(375, 800))

	pages := []struct{ user, path, shot string }{
		{"lo-no", "/requests", ""},
		{"lo-no", "/requests/new", ""},
		{"lo-no", "/requests/" + inReview, ""},
		{"lo-no", "/requests/" + approved + "/permit", ""},
		{"hns", "/queue", "narrow-queue"},
		{"hns", "/requests", ""},
		{"hns", "/requests/" + inReview, ""},
		{"hns", "/delegations", ""},
		{"hns", "/account/notifications", ""},
		{"lo-no", "/inbox", ""},
		{"auditor", "/audit", ""},
		{"admin", "/admin", ""},
		{"admin", "/admin/users", ""},
		{"admin", "/admin/users/new", ""},
		{"admin", "/admin/users/" + e.userID("ops"), ""},
	}
	who, scrolled, whole := "", 0, map[string]int{}
	for _, p := range pages {
		if p.user != who {
			if who != "" {
				b.signOut()
			}
			b.signIn(p.user)
			who = p.user
		}
		b.open(p.path, p.shot)
		type width struct {
			Page   int      `json:"page"`
			Window int      `json:"window"`
			Over   []string `json:"over"`
		}
		wide, err := chromedp.Run(b.ctx, chromedp.Evaluate[width](`({page: document.documentElement.scrollWidth, window: window.innerWidth,
			over: [...document.querySelectorAll("main *")].filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 &&
				!el.closest(".table-wrap")).slice(0, 5).map(el => el.tagName + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : ""))})`))
		if err != nil {
			t.Fatal(err)
		}
		if wide.Page > wide.Window {
			t.Errorf("%s as %s is %d px wide in a %d px window; wider than the window: %v", p.path, p.user, wide.Page, wide.Window, wide.Over)
		}
		// A table that scrolls does so in a region a keyboard can reach
		// and a screen reader names.
		bad, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("main table")].filter(t => {
				const w = t.closest(".table-wrap");
				return t.offsetWidth > (w || document.querySelector("main")).clientWidth && !(w && w.tabIndex === 0 &&
					w.getAttribute("role") === "region" && w.getAttribute("aria-label"));
			}).map(t => t.querySelector("caption").innerText)`))
		if err != nil {
			t.Fatal(err)
		}
		if len(bad) > 0 {
			t.Errorf("%s as %s: tables wider than the window outside a labelled, focusable region: %v", p.path, p.user, bad)
		}
		b.wantWhole(p.path, &whole)
		scrolls, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".table-wrap")].filter(w => w.scrollWidth > w.clientWidth).length`))
		if err != nil {
			t.Fatal(err)
		}
		scrolled += scrolls
		// A region that scrolls shows so: a shadow at the edge a cell is cut
		// off at (its background's gradients, which move with the scroll).
		bare, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`[...document.querySelectorAll(".table-wrap")].filter(w => w.scrollWidth > w.clientWidth &&
				!(getComputedStyle(w).backgroundImage.includes("gradient") && getComputedStyle(w).backgroundAttachment.includes("local"))).length`))
		if err != nil {
			t.Fatal(err)
		}
		if bare > 0 {
			t.Errorf("%s as %s: %d table regions scroll with no cue that they do", p.path, p.user, bare)
		}
	}
	if scrolled == 0 {
		t.Error("no table scrolls in its region at 375 px: the test no longer sees a wide table")
	}
	for _, class := range []string{"ref", "who", "date"} {
		if whole[class] == 0 {
			t.Errorf("no table cell of class %s seen at 375 px: the test no longer sees one", class)
		}
	}
	// In a wide window, too, a table's username, reference and dates are
	// not broken: the queue's period, the history's and the audit log's
	// usernames, the audit log's references.
	b.do(chromedp.EmulateViewport(1280, 900))
	for _, p := range []struct{ user, path string }{{"auditor", "/audit"}, {"hns", "/queue"}, {"hns", "/requests/" + inReview}} {
		if p.user != who {
			b.signOut()
			b.signIn(p.user)
			who = p.user
		}
		b.open(p.path, "")
		b.wantWhole(p.path, &whole)
	}
	t.Logf("axe-core checked %d pages", b.pages)
}

// wantWhole checks that no table cell holding one value, a username (who),
// a reference (ref) or a date or period (date), is broken across lines at
// its hyphens ("SE-2026-" / "000002"): the text in it is on one line. It
// counts the cells seen by class in seen.
func (b *browser) wantWhole(path string, seen *map[string]int) {
	b.t.Helper()
	type cell struct {
		Class string `json:"class"`
		Text  string `json:"text"`
		Lines int    `json:"lines"`
	}
	cells, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]cell](`[...document.querySelectorAll("main td.ref, main td.who, main td.date")].map(td => {
			const r = document.createRange();
			r.selectNodeContents(td);
			const tops = [...r.getClientRects()].filter(x => x.width > 0).map(x => x.top).sort((a, b) => a - b);
			return {class: td.className, text: td.innerText, lines: tops.filter((top, i) => i === 0 || top - tops[i - 1] > 8).length};
		})`))
	if err != nil {
		b.t.Fatal(err)
	}
	for _, c := range cells {
		(*seen)[c.Class]++
		if c.Lines > 1 {
			w, _ := chromedp.Run(b.ctx, chromedp.Evaluate[int](`window.innerWidth`))
			b.t.Errorf("%s at %d px: a %s cell is broken across %d lines: %q", path, w, c.Class, c.Lines, c.Text)
		}
	}
}

// TestBrowserLongTextReflow: a long unbroken string typed by a user — a
// 179-character address in the purpose and in the comment that requests
// changes — wraps where the page shows it (the request's facts, the
// approver's comment, the inbox's notice): the request page, the amend
// form and the inbox are no wider than the window at 1280 or at 375
// pixels.
func TestBrowserLongTextReflow(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	// No hyphen or space: nothing a browser breaks a line at by itself.
	long := "https://intranet.example.mil/exercises/coldresponse27/planning/annexes/" + strings.Repeat("AnnexB_MovementTables_", 4) + "final.pdf?version=3"
	long += strings.Repeat("x", 179-len(long))
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "action", "submit"), "purpose", "Plans: "+long)))
	e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeRequestChanges,
		Comment: "Please attach " + long})

	b := newBrowser(t, e)
	b.signIn("lo-no")
	for _, w := range []int64{1280, 375} {
		b.do(chromedp.EmulateViewport(w, 900))
		for _, path := range []string{"/requests/" + id, "/requests/" + id + "/edit", "/inbox"} {
			b.open(path, "")
			type width struct {
				Page   int      `json:"page"`
				Window int      `json:"window"`
				Over   []string `json:"over"`
				Long   bool     `json:"long"`
			}
			got, err := chromedp.Run(b.ctx, chromedp.Evaluate[width](`({page: document.documentElement.scrollWidth, window: window.innerWidth,
				long: document.querySelector("main").innerText.includes("`+long[:60]+`"),
				over: [...document.querySelectorAll("main *")].filter(el => el.getBoundingClientRect().right > window.innerWidth + 1 &&
					!el.closest(".table-wrap")).slice(0, 5).map(el => el.tagName + (el.id ? "#" + el.id : "") + (el.className ? "." + el.className : ""))})`))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Long {
				t.Errorf("%s at %d px does not show the long address: the test no longer sees it", path, w)
			}
			if got.Page > got.Window {
				t.Errorf("%s at %d px is %d px wide; wider than the window: %v", path, w, got.Page, got.Over)
			}
		}
	}
}
