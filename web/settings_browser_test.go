package web

import (
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
	b.click(`form[action^="/account/webhooks/"] button`, "settings-revoked")
	if !strings.Contains(b.text(".notice"), "revoked") || !strings.Contains(b.text("#webhooks"), "Revoked") {
		t.Fatalf("after revoking: %s", b.text("main"))
	}
	t.Logf("axe-core checked %d pages", b.pages)
}
