package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage/storagetest"
)

// TestMetricsCountBacklogAndOutcomes: the backlog is read by channel, so
// that a webhook that keeps failing leaves the e-mail backlog at 0 (the
// alerts of docs/operations.md read channel="email").
func TestMetricsCountBacklogAndOutcomes(t *testing.T) {
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db, 2, 0, true)
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		return tx.CreateWebhook(&domain.Webhook{ID: "hook-1", UserID: "u01", URL: "https://hooks.example.org/x",
			Secret: "whsec_test", CreatedBy: "lo1", CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	submitRequests(t, db, 1)
	now := t0.Add(90 * time.Second)
	m := notify.NewMetrics(db, func() time.Time { return now })
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors()...)
	want := `
# HELP exaccess_notifications_oldest_undelivered_seconds Age of the oldest notification of the channel waiting in the outbox; 0 when none waits.
# TYPE exaccess_notifications_oldest_undelivered_seconds gauge
exaccess_notifications_oldest_undelivered_seconds{channel="email"} 90
exaccess_notifications_oldest_undelivered_seconds{channel="webhook"} 90
# HELP exaccess_notifications_queued Notifications waiting in the outbox, by channel (email, webhook).
# TYPE exaccess_notifications_queued gauge
exaccess_notifications_queued{channel="email"} 2
exaccess_notifications_queued{channel="webhook"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"exaccess_notifications_queued", "exaccess_notifications_oldest_undelivered_seconds"); err != nil {
		t.Fatal(err)
	}
	failing := senderFunc(func(context.Context, domain.Notification) error { return errors.New("webhook answered 500") })
	w := &notify.Worker{Outbox: db, Email: &recorder{}, Webhook: failing, Now: func() time.Time { return now }, Metrics: m}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	want = `
# HELP exaccess_notifications_delivered_total Delivery attempts by channel and resulting status (sent, queued for retry, failed, undeliverable).
# TYPE exaccess_notifications_delivered_total counter
exaccess_notifications_delivered_total{channel="email",status="sent"} 1
exaccess_notifications_delivered_total{channel="email",status="undeliverable"} 1
exaccess_notifications_delivered_total{channel="webhook",status="queued"} 1
# HELP exaccess_notifications_oldest_undelivered_seconds Age of the oldest notification of the channel waiting in the outbox; 0 when none waits.
# TYPE exaccess_notifications_oldest_undelivered_seconds gauge
exaccess_notifications_oldest_undelivered_seconds{channel="email"} 0
exaccess_notifications_oldest_undelivered_seconds{channel="webhook"} 90
# HELP exaccess_notifications_queued Notifications waiting in the outbox, by channel (email, webhook).
# TYPE exaccess_notifications_queued gauge
exaccess_notifications_queued{channel="email"} 0
exaccess_notifications_queued{channel="webhook"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
