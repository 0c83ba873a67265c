package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"exaccess/domain"
)

// TestSettingsListsActiveWebhooksAndTheNewestRevoked: lo-no has two
// active webhooks, the oldest of all, and 30 revoked since. The settings
// page lists both active ones first, then the newest 20 revoked, and says
// that older revoked ones are in the API's list; the oldest active one is
// still revoked after its confirmation.
func TestSettingsListsActiveWebhooksAndTheNewestRevoked(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ctx := context.Background()
	lo, err := e.db.GetUserByUsername(ctx, "lo-no")
	if err != nil {
		t.Fatal(err)
	}
	at := e.clock()
	err = e.db.InTx(ctx, func(tx domain.Tx) error {
		for i := range 32 { // hook-00 and hook-01 stay active
			w := domain.Webhook{ID: fmt.Sprintf("hook-%02d", i), UserID: lo.ID, URL: fmt.Sprintf("https://hooks.example.org/%02d", i),
				Secret: "whsec_x", CreatedBy: "lo-no", CreatedAt: at}
			if err := tx.CreateWebhook(&w); err != nil {
				return err
			}
			if i >= 2 {
				if err := tx.RevokeWebhook(w.ID, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client().signIn("lo-no")
	p := c.get(pathSettings)
	wantStatus(t, p, http.StatusOK)
	rows := p.Doc.Find("#webhooks tbody tr")
	if rows.Length() != 22 {
		t.Fatalf("%d webhooks listed, want the 2 active and the newest 20 revoked", rows.Length())
	}
	for i, want := range []string{"https://hooks.example.org/01", "https://hooks.example.org/00", "https://hooks.example.org/31"} {
		if got := rows.Eq(i).Find("code").Text(); got != want {
			t.Errorf("row %d: %s, want %s", i+1, got, want)
		}
	}
	if p.Doc.Find("#older-revoked").Length() != 1 {
		t.Error("the page does not say that older revoked webhooks are not listed")
	}
	ask := c.post("/account/webhooks/hook-00/revoke", url.Values{})
	wantStatus(t, ask, http.StatusOK)
	if ask.Doc.Find(`input[name="confirm"]`).AttrOr("value", "") != confirmYes {
		t.Error("the oldest active webhook was not asked to be confirmed")
	}
}
