package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage/storagetest"
)

// TestWebhookIDCountsNothing: a webhook delivery is identified by its
// outbox row's id (a UUIDv7), the same on the retry after a failed
// attempt, and never by the row's idempotency key, which starts with the
// index of the audit entry that caused it ("a<index>.<n>:…"): a liaison
// officer reading webhook-id would otherwise learn entries' places in the
// whole audit log, whose gaps count every other nation's entries. The
// signature is over the id sent.
func TestWebhookIDCountsNothing(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			seedOutbox(t, db, 1, 0, false)
			rec := &receiver{status: http.StatusServiceUnavailable}
			srv := httptest.NewServer(rec)
			defer srv.Close()
			secret, _ := domain.NewWebhookSecret()
			ctx := context.Background()
			if err := db.InTx(ctx, func(tx domain.Tx) error {
				return tx.CreateWebhook(&domain.Webhook{ID: "w-lo0", UserID: "u00", URL: srv.URL + "/hook", Secret: secret, CreatedBy: "lo0", CreatedAt: t0})
			}); err != nil {
				t.Fatal(err)
			}
			submitRequests(t, db, 1)
			rows, err := db.Notifications(ctx, "r000")
			if err != nil {
				t.Fatal(err)
			}
			var row domain.Notification
			for _, r := range rows {
				if r.Channel == domain.ChannelWebhook {
					row = r
				}
			}
			if row.ID == "" || !strings.HasPrefix(row.Key, "a") {
				t.Fatalf("no webhook row keyed by its audit entry: %+v", rows)
			}
			now := t0
			sender := notify.NewWebhookSender(db, true, true)
			sender.Now = func() time.Time { return now }
			w := &notify.Worker{Outbox: db, Email: &recorder{}, Webhook: sender, Now: func() time.Time { return now }, Lease: time.Minute}
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			rec.mu.Lock()
			rec.status = http.StatusNoContent
			rec.mu.Unlock()
			now = now.Add(domain.RetryDelay(1))
			if _, err := w.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			if len(rec.headers) != 2 {
				t.Fatalf("%d deliveries, want the failed one and its retry", len(rec.headers))
			}
			for i, h := range rec.headers {
				id := h.Get("webhook-id")
				if id != row.ID {
					t.Errorf("attempt %d: webhook-id %q, want the row's id %q", i+1, id, row.ID)
				}
				if u, err := uuid.Parse(id); err != nil || u.Version() != 7 {
					t.Errorf("attempt %d: webhook-id %q is not a UUIDv7 (%v)", i+1, id, err)
				}
				for name, vs := range h {
					if strings.Contains(strings.Join(vs, " "), row.Key) {
						t.Errorf("attempt %d: header %s carries the row's key %q", i+1, name, row.Key)
					}
				}
				sig, _ := notify.SignWebhook(secret, id, now.Unix(), rec.bodies[i])
				if i == 1 && h.Get("webhook-signature") != sig {
					t.Errorf("the signature is not over the id sent: %q, want %q", h.Get("webhook-signature"), sig)
				}
			}
		})
	}
}
