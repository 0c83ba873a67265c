package storage_test

import (
	"context"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// TestRevokingAWebhookEndsItsQueuedRows: the rows of a revoked webhook
// still queued are marked undeliverable in the revocation's transaction,
// not at their next attempt (hours away after a few failures); the other
// webhook's rows and the e-mails stay queued.
func TestRevokingAWebhookEndsItsQueuedRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		hns := userID(t, db, "hns")
		addWebhook(t, db, wid(300), hns, "", "https://hns.example/revoked")
		addWebhook(t, db, wid(301), hns, "", "https://hns.example/kept")
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.RevokeWebhook(wid(300), fixedNow) }); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, n := range rows {
			want := domain.DeliveryQueued
			switch {
			case n.Channel == domain.ChannelInbox:
				continue
			case n.WebhookID == wid(300):
				want = domain.DeliveryUndeliverable
				if n.LastError == "" {
					t.Errorf("the revoked webhook's row gives no reason")
				}
			}
			seen[n.Channel+n.WebhookID] = true
			if n.Status != want {
				t.Errorf("%s row %s (webhook %q): %s, want %s", n.Kind, n.Channel, n.WebhookID, n.Status, want)
			}
		}
		if !seen[domain.ChannelWebhook+wid(300)] || !seen[domain.ChannelWebhook+wid(301)] || !seen[domain.ChannelEmail] {
			t.Fatalf("rows %v: want an e-mail and a row of each webhook", seen)
		}
	})
}
