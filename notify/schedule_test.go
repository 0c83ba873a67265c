package notify_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// seedOverdue stores an HNS officer, an operations approver and n NO
// requests in review whose intake stage was due on Friday 30 January 2026
// and escalates to operations_approver at once: at t0 (Tuesday 3
// February) each is overdue and escalated, two notices per request.
func seedOverdue(t *testing.T, db *storage.DB, n int) {
	t.Helper()
	activated := time.Date(2026, 1, 28, 9, 0, 0, 0, time.UTC)
	due := time.Date(2026, 1, 30, 22, 59, 59, 0, time.UTC)
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		for i, u := range []domain.User{
			{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
			{Username: "ops", Roles: []domain.Role{domain.RoleOperations}},
		} {
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt = fmt.Sprintf("u%02d", i), u.Username+"@example.org", t0, t0
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		for i := range n {
			r := &domain.Request{ID: fmt.Sprintf("r%03d", i), Status: domain.StatusInReview, Version: 1, Nation: "NO",
				Reference: fmt.Sprintf("SE-2026-EXA-%06d", i+1), CreatedBy: "lo0", CreatedAt: t0, UpdatedAt: t0,
				Details: domain.Details{ExerciseName: "E", Period: domain.Period{Start: t0, End: t0.AddDate(0, 0, 5)}},
				Route: &domain.Route{Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
					Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &activated, DueAt: &due,
					Escalation: &domain.Escalation{Role: domain.RoleOperations}}}}}
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTwoWorkersScheduleEachOnce runs the reminder sweep of two workers at
// once, several times each — on PostgreSQL through two connections pools,
// as two replicas would — and finds every notice written by exactly one
// sweep and stored once per recipient and channel.
func TestTwoWorkersScheduleEachOnce(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			const requests, sweeps = 30, 5
			dbs := []*storage.DB{storagetest.Open(t, c.DSN)}
			if c.Name == storage.DialectPostgres {
				dbs = append(dbs, storagetest.Open(t, c.DSN)) // a second replica
			} else {
				dbs = append(dbs, dbs[0]) // SQLite has one writer per file: one process
			}
			seedOverdue(t, dbs[0], requests)
			var written atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 2*sweeps)
			start := make(chan struct{})
			for _, db := range dbs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					w := &notify.Worker{Outbox: db, Scheduler: db, Now: func() time.Time { return t0 }}
					<-start
					for range sweeps {
						n, err := w.Schedule(context.Background())
						if err != nil {
							errs <- err
						}
						written.Add(int64(n))
					}
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			if got := written.Load(); got != 2*requests {
				t.Fatalf("the sweeps wrote %d notices, want %d (overdue and escalated, once each)", got, 2*requests)
			}
			for i := range requests {
				rows, err := dbs[0].Notifications(context.Background(), fmt.Sprintf("r%03d", i))
				if err != nil {
					t.Fatal(err)
				}
				seen := map[string]int{}
				for _, n := range rows {
					seen[n.Kind+"→"+n.Recipient+":"+n.Channel]++
				}
				want := []string{"stage.overdue→u00:email", "stage.overdue→u00:inbox",
					"stage.escalated→u01:email", "stage.escalated→u01:inbox"}
				if len(rows) != len(want) {
					t.Fatalf("request %d: %d rows %v, want %v", i, len(rows), seen, want)
				}
				for _, k := range want {
					if seen[k] != 1 {
						t.Fatalf("request %d: %s stored %d times", i, k, seen[k])
					}
				}
			}
		})
	}
}

// flakyScheduler fails its first sweep and reports each later one.
type flakyScheduler struct {
	calls atomic.Int32
	again chan struct{}
}

func (f *flakyScheduler) ScheduleNotifications(context.Context, time.Time) (int, error) {
	if f.calls.Add(1) == 1 {
		return 0, errors.New("database is locked")
	}
	select {
	case f.again <- struct{}{}:
	default:
	}
	return 0, nil
}

// TestRunSweepsAndSurvivesAFailedSweep: Run sweeps from its loop, logs a
// failed sweep and sweeps again at the next turn.
func TestRunSweepsAndSurvivesAFailedSweep(t *testing.T) {
	db := storagetest.Open(t, storagetest.Databases(t)[0].DSN)
	s := &flakyScheduler{again: make(chan struct{}, 1)}
	w := &notify.Worker{Outbox: db, Scheduler: s, Interval: time.Millisecond, ScheduleEvery: time.Nanosecond}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	<-s.again // a sweep after the failed one
	cancel()
	<-done
	if s.calls.Load() < 2 {
		t.Fatalf("%d sweeps", s.calls.Load())
	}
}
