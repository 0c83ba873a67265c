package web

import (
	"net/url"
	"strings"
	"testing"
)

// TestBrowserInbox: a liaison officer whose request was submitted and then
// returned for changes sees "Inbox (2 unread)" in the header, opens the
// inbox, marks one notification read and sees the count drop, follows a
// notification to its request, and marks all read. Every page passes
// axe-core's wcag2a and wcag2aa rules (the journey test's helpers).
func TestBrowserInbox(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	hns := e.client().signIn("hns")
	version := hns.get("/requests/"+id).Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
	requestID(t, hns.post("/requests/"+id+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
		"comment": {"Add the commander of the battalion."}, "version": {version}}))

	b := newBrowser(t, e)
	b.signIn("lo-no")
	if got := b.text(`header a[href="/inbox"]`); got != "Inbox (2 unread)" {
		t.Fatalf("header: %q", got)
	}
	b.click(`header a[href="/inbox"]`, "inbox")
	if b.text("h1") != "Inbox" || !strings.Contains(b.text("ul.inbox"), "Add the commander of the battalion.") ||
		!strings.Contains(b.text("ul.inbox li.unread"), "Unread") {
		t.Fatalf("inbox page: %s", b.text("main"))
	}
	b.click(`ul.inbox li.unread form button`, "")
	if got := b.text(`header a[href="/inbox"]`); got != "Inbox (1 unread)" {
		t.Fatalf("header after Mark read: %q", got)
	}
	if b.text(".notice") != "Marked read." || !strings.Contains(b.text(".inbox-count"), "1 unread") {
		t.Fatalf("inbox after Mark read: %s", b.text("main"))
	}
	b.click(`ul.inbox li.read h2 a`, "")
	if !strings.HasPrefix(b.location(), "/requests/"+id) {
		t.Fatalf("the notification led to %s", b.location())
	}
	b.click(`header a[href="/inbox"]`, "")
	b.click(`form[action="/inbox/read-all"] button`, "")
	if got := b.text(`header a[href="/inbox"]`); got != "Inbox" || !strings.Contains(b.text(".inbox-count"), "no unread") {
		t.Fatalf("after Mark all read: header %q; %s", got, b.text("main"))
	}
	b.open("/inbox?unread=1", "")
	if !strings.Contains(b.text("main"), "No unread notifications.") {
		t.Fatalf("unread only, none left: %s", b.text("main"))
	}
	t.Logf("axe-core checked %d pages", b.pages)
}
