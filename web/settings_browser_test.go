package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/chromedp/chromedp"
)

// TestBrowserSettings: an approver opens the notification settings from
// the header, clears one box and saves, adds a webhook by typing its URL
// (a wrong one first) and sees its secret once, then revokes it. Every
// page passes axe-core's wcag2a and wcag2aa rules.
func TestBrowserSettings(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	b := newBrowser(t, e)
	b.signIn("hns")
	b.click(`header a[href="/account/notifications"]`, "settings")
	if b.text("h1") != "Notification settings" {
		t.Fatalf("settings page: %s", b.text("main"))
	}
	box := "#c-" + strings.ReplaceAll(domain.NotifyStageActive, ".", "-") + "-" + domain.ChannelEmail
	b.do(chromedp.Click(chromedp.CSS(box)))
	b.click("#save-settings", "settings-saved")
	if !strings.Contains(b.text(".notice"), "saved") {
		t.Fatalf("after saving: %s", b.text("main"))
	}
	checked, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector(`+jsString(box)+`).checked`))
	if err != nil || checked {
		t.Fatalf("%s still ticked after saving (%v)", box, err)
	}
	unticked, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="on"]:not(:checked)').length`))
	if err != nil || unticked != 1 {
		t.Fatalf("%d boxes cleared, want 1 (%v)", unticked, err)
	}

	b.typeIn("#f-url", "hooks.example.org/hns")
	b.click("#add-webhook", "settings-url-error")
	if !strings.Contains(b.text(".error-summary"), "absolute URL") {
		t.Fatalf("a URL without scheme: %s", b.text("main"))
	}
	// The form keeps what was typed; the person clears it and types again.
	b.do(chromedp.Evaluate[chromedp.Void](`document.querySelector("#f-url").value = ""`))
	b.typeIn("#f-url", "https://hooks.example.org/hns")
	b.click("#add-webhook", "settings-secret")
	secret := b.text("#webhook-secret")
	if !strings.HasPrefix(secret, "whsec_") || !strings.Contains(b.text("main"), "https://hooks.example.org/hns") {
		t.Fatalf("after adding: %s", b.text("main"))
	}
	b.open(pathSettings, "")
	if strings.Contains(b.text("main"), secret) {
		t.Fatal("the secret is shown again")
	}
	// Revoking passes through the confirmation page; Cancel keeps it.
	b.click(`form[action^="/account/webhooks/"] button`, "")
	b.confirmsWebhook()
	b.click(`main a.button[href="`+pathSettings+`"]`, "")
	if !strings.Contains(b.text("#webhooks"), "Active") || strings.Contains(b.text("#webhooks"), "Revoked") {
		t.Fatalf("after Cancel: %s", b.text("main"))
	}
	b.click(`form[action^="/account/webhooks/"] button`, "")
	b.confirmsWebhook()
	b.click(`main form button.danger`, "settings-revoked")
	if !strings.Contains(b.text(".notice"), "revoked") || !strings.Contains(b.text("#webhooks"), "Revoked") {
		t.Fatalf("after revoking: %s", b.text("main"))
	}
	t.Logf("axe-core checked %d pages", b.pages)
}

// TestBrowserWebhookRevokeIsConfirmed: a liaison officer's webhook is
// revoked only through the confirmation page, without JavaScript: the
// page names the webhook and says it cannot be undone; Cancel goes back
// with the webhook active, and only "Yes, revoke the webhook" revokes it.
func TestBrowserWebhookRevokeIsConfirmed(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	if p := e.client().signIn("lo-no").post("/account/webhooks", url.Values{"url": {"https://hooks.example.org/lo-no"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add: %d", p.Status)
	}
	lo, err := e.db.GetUserByUsername(context.Background(), "lo-no")
	if err != nil {
		t.Fatal(err)
	}
	active := func() bool {
		t.Helper()
		page, err := e.db.ListWebhooks(context.Background(), domain.WebhookFilter{UserID: lo.ID})
		hooks := page.Items
		if err != nil || len(hooks) != 1 {
			t.Fatalf("%d webhooks, %v", len(hooks), err)
		}
		return hooks[0].Active()
	}
	b := newBrowser(t, e)
	b.signIn("lo-no")
	b.open(pathSettings, "") // axe-core checks the pages with scripts on (TestBrowserSettings)
	b.setScripts(false)      // the pages' own scripts off: the confirmation needs none
	b.press(`#webhooks form[action^="/account/webhooks/"] button`, "\r")
	b.confirmsWebhook()
	if !active() {
		t.Fatal("the first press revoked the webhook")
	}
	b.press(`main a.button[href="`+pathSettings+`"]`, "\r")
	if b.location() != pathSettings || !active() {
		t.Fatalf("after Cancel: %s, active %v", b.location(), active())
	}
	b.press(`#webhooks form[action^="/account/webhooks/"] button`, "\r")
	b.confirmsWebhook()
	b.press(`main form button.danger`, "\r")
	if active() || !strings.Contains(b.text(".notice"), "revoked") {
		t.Fatalf("after confirming: %s", b.text("main"))
	}
}

// confirmsWebhook checks that the page asks to confirm revoking the
// webhook https://hooks.example.org/<someone>.
func (b *browser) confirmsWebhook() {
	b.t.Helper()
	if b.text("h1") != "Revoke this webhook?" || !strings.Contains(b.text("main dl"), "https://hooks.example.org/") ||
		!strings.Contains(b.text("main"), "This cannot be undone.") || b.text("main form button.danger") != "Yes, revoke the webhook" {
		b.t.Fatalf("the confirmation page: %s", b.text("main"))
	}
}
