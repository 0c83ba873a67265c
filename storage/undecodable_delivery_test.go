package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage/storagetest"
)

type poisonRecorder struct {
	mu   sync.Mutex
	sent map[string]int
}

func (r *poisonRecorder) Send(_ context.Context, n domain.Notification) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[n.RequestID]++
	return nil
}

// A request whose stored route does not decode must neither keep its
// queued e-mail forever (the check at delivery reads only the request's
// head; a check that fails is a failed attempt, failed at the last) nor
// stop the rest of its batch.
func TestUndecodableRequestDoesNotBlockDelivery(t *testing.T) {
	for _, par := range []int{1, 4} {
		for _, c := range storagetest.Databases(t) {
			t.Run(fmt.Sprintf("%s-parallel%d", c.Name, par), func(t *testing.T) {
				ctx := context.Background()
				db := storagetest.Open(t, c.DSN)
				t0 := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
				err := db.InTx(ctx, func(tx domain.Tx) error {
					u := domain.User{ID: "u0", Username: "lo0", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO",
						Email: "lo0@example.org", CreatedAt: t0, UpdatedAt: t0}
					if err := tx.CreateUser(&u); err != nil {
						return err
					}
					for i := range 6 {
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
				if err := db.WriterForTest().Exec("UPDATE requests SET route = '{' WHERE id = 'r000'").Error; err != nil {
					t.Fatal(err)
				}
				rec := &poisonRecorder{sent: map[string]int{}}
				now := t0.Add(time.Minute)
				w := &notify.Worker{Outbox: db, Email: rec, Parallel: par, Now: func() time.Time { return now }}
				for i := range 14 {
					_, err := w.RunOnce(ctx)
					if i == 0 {
						t.Logf("first RunOnce: %v; sent so far %v", err, rec.sent)
					}
					now = now.Add(6 * time.Minute)
				}
				rows, _ := db.Notifications(ctx, "r000")
				for _, r := range rows {
					if r.Channel == domain.ChannelEmail {
						t.Logf("r000 e-mail: status=%s attempts=%d", r.Status, r.Attempts)
						if r.Status == domain.DeliveryQueued && r.Attempts > domain.MaxDeliveryAttempts {
							t.Errorf("r000's e-mail is still queued after %d attempts (max %d)", r.Attempts, domain.MaxDeliveryAttempts)
						}
					}
				}
				t.Logf("sent: %v", rec.sent)
				if len(rec.sent) < 5 {
					t.Errorf("the other requests' e-mails were not all sent: %v", rec.sent)
				}
			})
		}
	}
}
