package notify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

var t0 = time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)

// seedOutbox stores liaison officers of NO (the first without an e-mail
// address when noAddress) and submits n requests of NO in transactions
// that append their audit entries: one notification per officer and request.
func seedOutbox(t *testing.T, db *storage.DB, officers, n int, noAddress bool) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx domain.Tx) error {
		for i := range officers {
			u := domain.User{ID: fmt.Sprintf("u%02d", i), Username: fmt.Sprintf("lo%d", i), Roles: []domain.Role{domain.RoleLiaison},
				Nation: "NO", Email: fmt.Sprintf("lo%d@example.org", i), CreatedAt: t0, UpdatedAt: t0}
			if i == 0 && noAddress {
				u.Email = ""
			}
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	submitRequests(t, db, n)
}

// submitRequests stores n requests of NO (r000, r001, …), each submitted
// by an audit entry at t0.
func submitRequests(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		for i := range n {
			r := &domain.Request{ID: fmt.Sprintf("r%03d", i), Status: domain.StatusInReview, Version: 1, Nation: "NO",
				Reference: fmt.Sprintf("SE-2026-EXA-%06d", i+1), CreatedBy: "lo0", CreatedAt: t0, UpdatedAt: t0,
				Details: domain.Details{ExerciseName: "E", Period: domain.Period{Start: t0, End: t0.AddDate(0, 0, 5)}}}
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
			if err := tx.AppendAudit(&domain.AuditEntry{At: t0, Actor: "lo0", Action: domain.AuditRequestSubmitted,
				RequestID: r.ID, RequestVersion: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// recorder is a Sender that keeps what it sent and fails while fail is set.
type recorder struct {
	mu   sync.Mutex
	sent map[string]int // idempotency key → deliveries
	fail error
}

func (r *recorder) Send(_ context.Context, n domain.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return r.fail
	}
	if r.sent == nil {
		r.sent = map[string]int{}
	}
	r.sent[n.Key]++
	return nil
}

func statuses(t *testing.T, db *storage.DB, n int) map[string]int {
	t.Helper()
	out := map[string]int{}
	for i := range n {
		rows, err := db.Notifications(context.Background(), fmt.Sprintf("r%03d", i))
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if row.Channel == domain.ChannelEmail { // inbox rows are delivered on commit
				out[row.Status]++
			}
		}
	}
	return out
}

func TestWorkerRetriesWithBackoffThenFails(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			seedOutbox(t, db, 1, 1, false)
			now := t0
			rec := &recorder{fail: errors.New("451 try again later")}
			w := &notify.Worker{Outbox: db, Email: rec, Now: func() time.Time { return now }, Lease: time.Minute}
			ctx := context.Background()
			for attempt := 1; attempt <= domain.MaxDeliveryAttempts; attempt++ {
				if n, err := w.RunOnce(ctx); err != nil || n != 1 {
					t.Fatalf("attempt %d: claimed %d, %v", attempt, n, err)
				}
				// Not due again before its back-off ends.
				now = now.Add(domain.RetryDelay(attempt) - time.Second)
				if n, err := w.RunOnce(ctx); err != nil || n != 0 {
					t.Fatalf("attempt %d: claimed %d before the back-off ended (%v)", attempt, n, err)
				}
				now = now.Add(time.Second)
			}
			if got := statuses(t, db, 1); got[domain.DeliveryFailed] != 1 {
				t.Fatalf("after %d failures: %v, want failed", domain.MaxDeliveryAttempts, got)
			}
		})
	}
}

func TestWorkerRecoversAfterAFailure(t *testing.T) {
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db, 2, 1, false)
	now := t0
	rec := &recorder{fail: errors.New("connection refused")}
	w := &notify.Worker{Outbox: db, Email: rec, Now: func() time.Time { return now }}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.fail, now = nil, now.Add(domain.RetryDelay(1))
	if n, err := w.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("retry claimed %d, %v", n, err)
	}
	if got := statuses(t, db, 1); got[domain.DeliverySent] != 2 || len(rec.sent) != 2 {
		t.Fatalf("statuses %v, sent %v; want both sent once", got, rec.sent)
	}
}

func TestWorkerWithoutSMTPMarksUndeliverable(t *testing.T) {
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db, 2, 1, true)
	rec := &recorder{}
	w := &notify.Worker{Outbox: db, Now: func() time.Time { return t0 }}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := statuses(t, db, 1); got[domain.DeliveryUndeliverable] != 2 {
		t.Fatalf("without SMTP: %v, want 2 undeliverable (kept, not dropped)", got)
	}
	// With a sender, the account without an address is still undeliverable.
	db2 := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db2, 2, 1, true)
	w = &notify.Worker{Outbox: db2, Email: rec, Now: func() time.Time { return t0 }}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := statuses(t, db2, 1); got[domain.DeliveryUndeliverable] != 1 || got[domain.DeliverySent] != 1 {
		t.Fatalf("with SMTP, one address missing: %v", got)
	}
}

// TestTwoWorkersDeliverEachOnce runs two workers against one database
// (PostgreSQL: SKIP LOCKED) until the outbox is empty: every notification
// is delivered exactly once.
func TestTwoWorkersDeliverEachOnce(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			const officers, requests = 3, 40
			seedOutbox(t, db, officers, requests, false)
			rec := &recorder{}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := &notify.Worker{Outbox: db, Email: rec, Batch: 7, Now: func() time.Time { return t0 }}
					for {
						n, err := w.RunOnce(context.Background())
						if err != nil {
							errs <- err
							return
						}
						if n == 0 {
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if len(rec.sent) != officers*requests {
				t.Fatalf("%d distinct notifications sent, want %d", len(rec.sent), officers*requests)
			}
			for key, n := range rec.sent {
				if n != 1 {
					t.Errorf("%s delivered %d times", key, n)
				}
			}
		})
	}
}

// Without an SMTP server every e-mail is undeliverable: the first is
// logged as a warning (serve warns at start too), the rest at debug level,
// so that a demo's log is not one warning per mail; each row still says why.
func TestWorkerWarnsOnceWithoutSMTP(t *testing.T) {
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	seedOutbox(t, db, 3, 2, false)
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w := &notify.Worker{Outbox: db, Now: func() time.Time { return t0 }, Log: log}
	for range 2 { // a second pass finds nothing more to say
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := statuses(t, db, 2); got[domain.DeliveryUndeliverable] != 6 {
		t.Fatalf("statuses %v, want 6 undeliverable", got)
	}
	levels := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(logged.String()), "\n") {
		var rec struct{ Level, Msg, Error string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if rec.Msg == "notification not delivered" {
			if !strings.Contains(rec.Error, "no SMTP server configured") {
				t.Errorf("logged error %q", rec.Error)
			}
			levels[rec.Level]++
		}
	}
	if levels["WARN"] != 1 || levels["DEBUG"] != 5 {
		t.Errorf("log levels of the undelivered mails: %v, want one WARN and five DEBUG", levels)
	}
}
