package web

import (
	"context"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestBrowserRowButtonsKeepFocus: "Add a row" and "Remove row" re-render
// the request form, and a keyboard user must not be sent back to the top
// of the page. Pressed with the keyboard, "Add a row" leaves the focus on
// the new row's first field, "Remove row" on its section's "Add a row"
// button, with the page scrolled to it. The page's script is switched off
// for the second half: the server's autofocus does it alone.
func TestBrowserRowButtonsKeepFocus(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)
	b.signIn("lo-no")
	for _, script := range []bool{true, false} {
		b.setScripts(script)
		b.open("/requests/new", "")

		b.press(`button[value="add:movements"]`, kb.Enter)
		if got := b.focusSettles("f-movements-1-direction"); got != "f-movements-1-direction" {
			t.Errorf("scripts %v: after adding a crossing the focus is on %q, want the new row's Direction", script, got)
		}
		b.wantScrolled(script)
		b.check("")

		b.press(`button[value="add:vessels"]`, " ")
		if got := b.focusSettles("f-vessels-0-name"); got != "f-vessels-0-name" {
			t.Errorf("scripts %v: after adding a vessel the focus is on %q, want its Name", script, got)
		}

		b.press(`button[value="remove:movements:1"]`, kb.Enter)
		if got := b.focusSettles("add:movements"); got != "add:movements" {
			t.Errorf("scripts %v: after removing a crossing the focus is on %q, want the crossings' Add a row", script, got)
		}
		b.wantScrolled(script)
		b.check("")
		if n := b.count(`fieldset#f-movements fieldset.rowset`); n != 1 {
			t.Errorf("scripts %v: %d crossings after adding one and removing it, want 1", script, n)
		}
	}
	b.setScripts(true)
}

// press focuses sel, presses key (as a keyboard user on a button would,
// Enter or space) and waits for the page it leads to.
func (b *browser) press(sel, key string) {
	b.t.Helper()
	b.do(chromedp.Focus(chromedp.CSS(sel)))
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.KeyEvent(key))); err != nil {
		b.t.Fatalf("press %q on %s: %v\n%s", key, sel, err, b.text("main"))
	}
	b.do(chromedp.WaitReady(chromedp.CSS("main")))
}

// focused names the focused element: its id, else a button's value, else
// its tag.
func (b *browser) focused() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(e => e.id || e.value || e.tagName)(document.activeElement)`))
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// focusSettles waits up to five seconds for the focus to reach want and
// names the focused element then. A page's autofocus is applied in the
// browser's next rendering step, which on a loaded machine can come after
// the load event the test waited for; reading the focus once, at the load
// event, failed there with the focus still on BODY.
func (b *browser) focusSettles(want string) string {
	b.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := b.focused()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// wantScrolled checks that the focused element is on screen, so the page
// did not come back at its top.
func (b *browser) wantScrolled(script bool) {
	b.t.Helper()
	in, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`(r => window.scrollY > 0 && r.top >= 0 && r.bottom <= window.innerHeight)(document.activeElement.getBoundingClientRect())`))
	if err != nil {
		b.t.Fatal(err)
	}
	if !in {
		b.t.Errorf("scripts %v: the focused element is not scrolled into view", script)
	}
}

// count is the number of elements sel matches.
func (b *browser) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+jsString(sel)+`).length`))
	if err != nil {
		b.t.Fatal(err)
	}
	return n
}

// setScripts switches the pages' own scripts on or off (the test's
// evaluations still run).
func (b *browser) setScripts(on bool) {
	b.t.Helper()
	b.do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return chromedp.Void{}, err
	})
}
