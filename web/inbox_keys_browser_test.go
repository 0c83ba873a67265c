package web

import (
	"context"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserInboxKeyboard: a keyboard user tabs to an unread
// notification's subject and presses Enter: the request opens and the
// notification is read. Back on the unread-only inbox, "Mark read" pressed
// with Enter returns focused on the next notification, scrolled to it,
// not at the top of the page; with the page's script off as well.
func TestBrowserInboxKeyboard(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	var ids []string
	for range 6 {
		ids = append(ids, requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit"))))
	}
	b := newBrowser(t, e)
	b.signIn("lo-no")
	b.do(chromedp.EmulateViewport(1280, 500))
	b.open("/inbox", "")

	// Tab from the top of the page to the newest notification's subject.
	newest := `ul.inbox li.unread h2 button`
	b.tabTo(newest)
	b.keyToPage(kb.Enter)
	if got := b.location(); got != "/requests/"+ids[5] {
		t.Fatalf("Enter on the subject led to %s", got)
	}
	if got := b.text(`header a[href="/inbox"]`); got != "Inbox (5 unread)" {
		t.Fatalf("header after opening one: %q", got)
	}

	for _, script := range []bool{true, false} {
		b.setScripts(script)
		b.open("/inbox?unread=1", "")
		third := `ul.inbox li.unread:nth-child(3)`
		want := b.attr(`ul.inbox li.unread:nth-child(4) h2`, "id")
		b.tabTo(third + ` form[action$="/read"] button`)
		b.keyToPage(kb.Enter)
		if got := b.focusSettles(want); got != want {
			t.Errorf("scripts %v: after Mark read the focus is on %q, want the next notification %q", script, got, want)
		}
		b.wantScrolled(script)
		b.check("")
	}
	b.setScripts(true)
}

// tabTo presses Tab, from where the focus is (the top of a page just
// opened), until sel is focused.
func (b *browser) tabTo(sel string) {
	b.t.Helper()
	for range 60 {
		b.do(chromedp.KeyEvent(kb.Tab))
		is, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.activeElement === document.querySelector(`+jsString(sel)+`)`))
		if err != nil {
			b.t.Fatal(err)
		}
		if is {
			return
		}
	}
	b.t.Fatalf("Tab never reached %s", sel)
}

// keyToPage presses key on the focused element and waits for the page it
// leads to.
func (b *browser) keyToPage(key string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.KeyEvent(key))); err != nil {
		b.t.Fatalf("press %q: %v\n%s", key, err, b.text("main"))
	}
	b.do(chromedp.WaitReady(chromedp.CSS("main")))
}
