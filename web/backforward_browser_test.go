package web

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserBackShowsThePageAfresh: Chromium keeps pages in its
// back-forward cache even though they are sent no-store, and Back would
// show one as it was left: a list whose filters were changed but not sent
// (they read Draft and Ravlunda above the unfiltered list), an inbox with
// a notice since opened still marked unread and the header's count
// stale. console.js reloads a page restored from that cache, so Back
// shows it as it is now. A page with a form the user has typed into is
// kept as it was left, so nothing typed is lost. The users list, as an
// administrator filters it, comes back afresh like My requests.
func TestBrowserBackShowsThePageAfresh(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns := e.client().signIn("hns")
	version := hns.get("/requests/"+id).Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
	requestID(t, hns.post("/requests/"+id+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
		"comment": {"Add the commander of the battalion."}, "version": {version}}))

	b := newBrowser(t, e)
	b.signIn("lo-no")

	// My requests: filters chosen and sent, then Back.
	b.open("/requests", "")
	b.choose("#f-status", "draft", "#f-area", "ravlunda")
	b.leave(`form.filters button[type="submit"]`)
	if got := b.location(); !strings.Contains(got, "status=draft") || !strings.Contains(got, "area=ravlunda") {
		t.Fatalf("the filter led to %s", got)
	}
	b.backAfresh("/requests")
	if st, area := b.value("#f-status"), b.value("#f-area"); st != "" || area != "" {
		t.Fatalf("after Back to the unfiltered list the filters read status %q, area %q", st, area)
	}

	// The inbox: an unread notice opened (which marks it read), then Back.
	b.open("/inbox", "")
	if got := b.text(`header a[href="/inbox"]`); got != "Inbox (2 unread)" {
		t.Fatalf("header: %q", got)
	}
	b.leave(`ul.inbox li.unread h2 button`)
	if !strings.HasPrefix(b.location(), "/requests/"+id) {
		t.Fatalf("the notice led to %s", b.location())
	}
	b.backAfresh("/inbox")
	if got := b.text(`header a[href="/inbox"]`); got != "Inbox (1 unread)" || !strings.Contains(b.text(".inbox-count"), "1 unread") {
		t.Fatalf("after Back to the inbox: header %q, %s", got, b.text(".inbox-count"))
	}

	// The new-request form with something typed, left by a link: Back
	// keeps what was typed (no reload throws it away).
	b.open("/requests/new", "")
	b.typeIn("#f-exercise-name", "Typed before leaving")
	b.leave(`header a[href="/inbox"]`)
	b.backKept("/requests/new")
	if got := b.value("#f-exercise-name"); got != "Typed before leaving" {
		t.Fatalf("after Back to the new-request form the exercise's name reads %q", got)
	}

	// The users list, as its administrator filters it.
	b.open("/", "")
	b.signOut()
	b.signIn("admin")
	b.open("/admin/users", "")
	b.choose("#"+fieldID("role"), "hns_officer", "#"+fieldID("disabled"), "true")
	b.leave(`form.filters button[type="submit"]`)
	if got := b.location(); !strings.Contains(got, "role=hns_officer") || !strings.Contains(got, "disabled=true") {
		t.Fatalf("the users filter led to %s", got)
	}
	b.backAfresh("/admin/users")
	if role, state := b.value("#"+fieldID("role")), b.value("#"+fieldID("disabled")); role != "" || state != "" {
		t.Fatalf("after Back to the unfiltered users list the filters read role %q, state %q", role, state)
	}
}

// leave marks the page (a mark that a reload takes away), clicks sel and
// waits for the page it leads to.
func (b *browser) leave(sel string) {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`window.leftHere = true`))
	b.click(sel, "")
}

// backAfresh goes back in the history, as the browser's Back button does,
// and waits until path is shown afresh: loaded anew or reloaded, not the
// page as leave left it (Chromium's back-forward cache restores it
// without a load event, so chromedp.NavigateBack would wait in vain).
func (b *browser) backAfresh(path string) {
	b.t.Helper()
	if state := b.goBack(path, `!window.leftHere`); state != "" {
		b.t.Fatalf("Back to %s showed the page as it was left, not afresh (%s): %s", path, state, b.text("body"))
	}
}

// backKept is backAfresh for a page that must come back as it was left.
func (b *browser) backKept(path string) {
	b.t.Helper()
	if state := b.goBack(path, `window.leftHere === true`); state != "" {
		b.t.Fatalf("Back to %s did not keep the page as it was left (%s)", path, state)
	}
	time.Sleep(time.Second) // a reload, were one coming, would start by now
	if left, _ := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`window.leftHere === true`)); !left {
		b.t.Fatalf("Back to %s reloaded the page", path)
	}
}

// goBack goes back and waits up to 10 seconds for path, loaded, with cond
// true; it returns "" or what it saw instead.
func (b *browser) goBack(path, cond string) string {
	b.t.Helper()
	b.do(chromedp.Evaluate[chromedp.Void](`history.back()`))
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	state := ""
	for ctx.Err() == nil {
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " " + document.readyState + " " + (!!document.querySelector("main") && `+cond+`)`))
		if err == nil && s == path+" complete true" {
			return ""
		}
		if err == nil {
			state = s
		}
		time.Sleep(100 * time.Millisecond)
	}
	return state
}
