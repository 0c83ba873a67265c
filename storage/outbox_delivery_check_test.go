package storage_test

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestDeliveryWithdrawsWhatTheWindowLeft (PostgreSQL; SQLite runs one
// writer at a time): a submission activates the intake stage and, in its
// transaction still open, queues the stage's e-mail to the deputy through
// hns's delegation of hns_officer. Meanwhile the deputy's hold on the role
// ends: hns revokes the delegation, or an administrator disables hns (the
// delegation lapses) or the deputy. That change's withdrawal runs before
// the submission commits and cannot see the row; the change then waits for
// the submission (both append to the audit log) and commits after it. The
// row is left queued — the window docs/security.md describes — and the
// delivery worker, checking the recipient's hold on the role at delivery,
// does not send it; hns's own e-mail still goes out unless hns was the one
// disabled.
func TestDeliveryWithdrawsWhatTheWindowLeft(t *testing.T) {
	if os.Getenv(storagetest.PostgresEnv) == "" { // the window is PostgreSQL's: SQLite has one writer
		t.Skip("PostgreSQL only: set " + storagetest.PostgresEnv + " to an admin DSN to run it")
	}
	t.Parallel()
	revoke := func(ctx context.Context, db *storage.DB, at time.Time) error {
		page, err := db.ListDelegations(ctx, domain.DelegationFilter{User: "hns"}, at)
		ds := page.Items
		if err != nil {
			return err
		}
		svc := domain.NewApprovalService(db, nil, func() time.Time { return at }, func() string { return testID(t, 901) })
		_, err = svc.RevokeDelegation(ctx, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, ds[0].ID)
		return err
	}
	disable := func(username string) func(ctx context.Context, db *storage.DB, at time.Time) error {
		return func(ctx context.Context, db *storage.DB, at time.Time) error {
			u, err := db.GetUserByUsername(ctx, username)
			if err != nil {
				return err
			}
			ref, err := db.Reference(ctx)
			if err != nil {
				return err
			}
			us := domain.NewUserService(db, ref, func() time.Time { return at }, func() string { return testID(t, 902) })
			_, err = us.SetDisabled(ctx, "admin", u.ID, true, "left")
			return err
		}
	}
	for _, c := range []struct {
		name    string
		change  func(ctx context.Context, db *storage.DB, at time.Time) error
		hnsSent bool
	}{
		{"the delegation is revoked", revoke, true},
		{"the delegator is disabled", disable("hns"), false},
		{"the delegate is disabled", disable("deputy"), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range storagetest.Databases(t) {
				if d.Name != storage.DialectPostgres {
					continue
				}
				db := storagetest.Open(t, d.DSN)
				ctx := context.Background()
				f := seedSchedule(t, db)
				at := f.now.Add(time.Minute)
				r := newDraft(testID(t, 5), "NO")
				r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
				due := at.Add(72 * time.Hour)
				r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
					Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}

				written, release := make(chan struct{}), make(chan struct{})
				submitted, changed := make(chan error, 1), make(chan error, 1)
				go func() {
					attempts := 0
					submitted <- db.InTx(ctx, func(tx domain.Tx) error {
						if attempts++; attempts > 1 {
							return nil // a retry would not meet the barrier again
						}
						if err := tx.CreateRequest(r); err != nil {
							return err
						}
						err := tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "lo-no", Action: domain.AuditRequestSubmitted,
							RequestID: r.ID, RequestVersion: r.Version})
						if err != nil {
							return err
						}
						close(written)
						<-release
						return nil
					})
				}()
				select {
				case <-written:
				case err := <-submitted:
					t.Fatalf("the submission ended before its barrier: %v", err)
				}
				go func() { changed <- c.change(ctx, db, at.Add(time.Second)) }()
				err, ended := waitForALockWait(t, db, changed)
				close(release)
				if !ended {
					err = <-changed
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := <-submitted; err != nil {
					t.Fatal(err)
				}
				deputy, hns := userIDOf(t, db, "deputy"), userIDOf(t, db, "hns")
				stageMail := func(user string) domain.Notification { t.Helper(); return stageEmailTo(t, db, r.ID, user) }
				if n := stageMail(deputy); n.Status != domain.DeliveryQueued {
					t.Fatalf("the deputy's stage e-mail after the change: %s (%s); want it still queued, left by the window "+
						"(if the change now withdraws it itself, the window is closed: revise this test and docs/security.md)",
						n.Status, n.LastError)
				}

				var mu sync.Mutex
				var sent []string
				w := &notify.Worker{Outbox: db, Now: func() time.Time { return at.Add(2 * time.Second) },
					Email: senderFunc(func(_ context.Context, n domain.Notification) error {
						mu.Lock()
						defer mu.Unlock()
						sent = append(sent, n.Address)
						return nil
					})}
				for {
					n, err := w.RunOnce(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if n == 0 {
						break
					}
				}
				if n := stageMail(deputy); n.Status != domain.DeliveryUndeliverable || n.LastError != domain.RoleNotHeldError {
					t.Errorf("the deputy's stage e-mail after delivery: %s (%s); want %s (%s)", n.Status, n.LastError,
						domain.DeliveryUndeliverable, domain.RoleNotHeldError)
				}
				if n := stageMail(hns); (n.Status == domain.DeliverySent) != c.hnsSent {
					t.Errorf("hns's stage e-mail after delivery: %s (%s); want sent %v", n.Status, n.LastError, c.hnsSent)
				}
				for _, a := range sent {
					if a == "deputy@example.org" {
						t.Errorf("the deputy was sent an e-mail: %v", sent)
					}
				}
			}
		})
	}
}

// waitForALockWait returns once a session of db's database waits for a
// lock (the second transaction has reached the first), or once the second
// transaction ended without waiting (then with its error and true).
func waitForALockWait(t *testing.T, db *storage.DB, second <-chan error) (error, bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-second:
			return err, true
		default:
		}
		var n int
		err := db.ReaderForTest().Raw(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n).Error
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return nil, false
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("the second transaction neither waited nor ended")
	return nil, false
}

type senderFunc func(context.Context, domain.Notification) error

func (f senderFunc) Send(ctx context.Context, n domain.Notification) error { return f(ctx, n) }

// stageEmailTo is the one stage.active e-mail row about request id to
// user (an account id); the test fails unless there is exactly one.
func stageEmailTo(t *testing.T, db *storage.DB, id, user string) domain.Notification {
	t.Helper()
	rows, err := db.Notifications(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var found []domain.Notification
	for _, n := range rows {
		if n.Recipient == user && n.Kind == domain.NotifyStageActive && n.Channel == domain.ChannelEmail {
			found = append(found, n)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d stage e-mails to %s, want 1", len(found), user)
	}
	return found[0]
}
