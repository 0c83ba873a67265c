package storage_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestRevokingAWebhookEndsItsQueuedRows: the rows of a revoked webhook
// still queued are marked undeliverable in the revocation's transaction,
// not at their next attempt (hours away after a few failures); the other
// webhook's rows and the e-mails stay queued.
func TestRevokingAWebhookEndsItsQueuedRows(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		hns := userIDOf(t, db, "hns")
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

// TestWebhookLimitHoldsUnderARace (PostgreSQL; SQLite's one writer runs
// one transaction at a time): an account with 9 active webhooks registers
// two more at once, as domain.NotificationService.CreateWebhook does —
// count, then create below the limit. Transaction A has counted and waits;
// B counts meanwhile. B must wait for A's lock and then count 10: exactly
// one of the two is created.
func TestWebhookLimitHoldsUnderARace(t *testing.T) {
	t.Parallel()
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			ctx := context.Background()
			seedNotifyUsers(t, db)
			hns := userIDOf(t, db, "hns")
			for i := range domain.MaxWebhooksPerID - 1 {
				addWebhook(t, db, wid(400+i), hns, "", "https://hns.example/hook")
			}
			register := func(id string, counted func()) error {
				return db.InTx(ctx, func(tx domain.Tx) error {
					n, err := tx.CountActiveWebhooks(hns, "")
					if err != nil {
						return err
					}
					counted()
					if n >= domain.MaxWebhooksPerID {
						return domain.Errorf(domain.CodeConflict, "limit")
					}
					return tx.CreateWebhook(&domain.Webhook{ID: id, UserID: hns, URL: "https://hns.example/" + id,
						Secret: "whsec_" + id, CreatedBy: "hns", CreatedAt: fixedNow})
				})
			}
			countedA, proceedA, countedB := make(chan struct{}), make(chan struct{}), make(chan struct{})
			var onceA, onceB sync.Once
			errs := make(chan error, 2)
			go func() {
				errs <- register(wid(500), func() { onceA.Do(func() { close(countedA) }); <-proceedA })
			}()
			<-countedA
			go func() { errs <- register(wid(501), func() { onceB.Do(func() { close(countedB) }) }) }()
			// Until B has counted (the race the lock prevents) or waits
			// for A's advisory lock.
			for waiting := false; !waiting; {
				select {
				case <-countedB:
					waiting = true
				default:
					var n int64
					if err := db.ReaderForTest().Raw(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
						AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).
						Scan(&n).Error; err != nil {
						t.Fatal(err)
					}
					waiting = n > 0
					time.Sleep(5 * time.Millisecond)
				}
			}
			close(proceedA)
			conflicts := 0
			for range 2 {
				if err := <-errs; domain.ErrorCode(err) == domain.CodeConflict {
					conflicts++
				} else if err != nil {
					t.Fatal(err)
				}
			}
			var active int64
			if err := db.ReaderForTest().Raw(`SELECT count(*) FROM webhooks WHERE user_id = ? AND revoked_at IS NULL`, hns).
				Scan(&active).Error; err != nil {
				t.Fatal(err)
			}
			if active != domain.MaxWebhooksPerID || conflicts != 1 {
				t.Fatalf("%d active webhooks and %d refusals, want %d and 1", active, conflicts, domain.MaxWebhooksPerID)
			}
		})
	}
}
