package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"exaccess/notify"
	"exaccess/storage/storagetest"
)

func TestMetricsCountBacklogAndOutcomes(t *testing.T) {
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db, 2, 1, true)
	now := t0.Add(90 * time.Second)
	m := notify.NewMetrics(db, func() time.Time { return now })
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors()...)
	want := `
# HELP exaccess_notifications_oldest_undelivered_seconds Age of the oldest notification waiting in the outbox; 0 when none waits.
# TYPE exaccess_notifications_oldest_undelivered_seconds gauge
exaccess_notifications_oldest_undelivered_seconds 90
# HELP exaccess_notifications_queued Notifications waiting in the outbox.
# TYPE exaccess_notifications_queued gauge
exaccess_notifications_queued 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want),
		"exaccess_notifications_queued", "exaccess_notifications_oldest_undelivered_seconds"); err != nil {
		t.Fatal(err)
	}
	w := &notify.Worker{Outbox: db, Email: &recorder{}, Now: func() time.Time { return now }, Metrics: m}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	want = `
# HELP exaccess_notifications_delivered_total Delivery attempts by channel and resulting status (sent, queued for retry, failed, undeliverable).
# TYPE exaccess_notifications_delivered_total counter
exaccess_notifications_delivered_total{channel="email",status="sent"} 1
exaccess_notifications_delivered_total{channel="email",status="undeliverable"} 1
# HELP exaccess_notifications_oldest_undelivered_seconds Age of the oldest notification waiting in the outbox; 0 when none waits.
# TYPE exaccess_notifications_oldest_undelivered_seconds gauge
exaccess_notifications_oldest_undelivered_seconds 0
# HELP exaccess_notifications_queued Notifications waiting in the outbox.
# TYPE exaccess_notifications_queued gauge
exaccess_notifications_queued 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want)); err != nil {
		t.Fatal(err)
	}
}
