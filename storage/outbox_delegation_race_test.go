package storage_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// TestRevocationWaitsForAnActivation (PostgreSQL; SQLite runs one writer
// at a time): a submission activates the intake stage and, in its open
// transaction, queues the stage's notice to the deputy through hns's
// delegation. hns revokes the delegation meanwhile. The revocation waits
// for the submission to commit, and then withdraws the deputy's notice;
// it does not commit first and leave the notice, written by a transaction
// it could not see, to go out.
func TestRevocationWaitsForAnActivation(t *testing.T) {
	t.Parallel()
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue
		}
		db := storagetest.Open(t, c.DSN)
		ctx := context.Background()
		f := seedSchedule(t, db)
		at := f.now.Add(time.Minute)
		r := newDraft(testID(t, 5), "NO")
		r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
		r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
			Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: ptr(at.Add(72 * time.Hour))}}}

		written, release := make(chan struct{}), make(chan struct{})
		done, revoked := make(chan error, 1), make(chan error, 1)
		go func() {
			attempts := 0
			done <- db.InTx(ctx, func(tx domain.Tx) error {
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
		case err := <-done:
			t.Fatalf("the submission ended before its barrier: %v", err)
		}
		go func() {
			ds, err := db.ListDelegations(ctx, "hns")
			if err != nil {
				revoked <- err
				return
			}
			svc := domain.NewApprovalService(db, func() time.Time { return at.Add(time.Second) }, func() string { return testID(t, 901) })
			_, err = svc.RevokeDelegation(ctx, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, ds[0].ID)
			revoked <- err
		}()
		err, ended := waitForALockWait(t, db, revoked)
		close(release)
		if !ended {
			err = <-revoked
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		rows, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		deputy := userIDOf(t, db, "deputy")
		n := 0
		for _, row := range rows {
			if row.Recipient != deputy || row.Kind != domain.NotifyStageActive || row.Channel != domain.ChannelEmail {
				continue
			}
			n++
			if row.Status != domain.DeliveryUndeliverable || row.LastError != domain.DelegationRevokedError {
				t.Errorf("the deputy's stage notice after the revocation: %s (%s); want it withdrawn", row.Status, row.LastError)
			}
		}
		if n != 1 {
			t.Errorf("the deputy got %d stage e-mails, want 1", n)
		}
	}
}

// TestSweepWaitsForARevocation (PostgreSQL): hns's revocation of the
// delegation is written but not committed when the reminder sweep runs.
// The sweep, which appends no audit entry, waits for it (the delegation
// read FOR SHARE) and then tells the deputy nothing of hns_officer's
// stages; it does not queue reminders through the delegation that the
// revocation's withdrawal, already run, could not see.
func TestSweepWaitsForARevocation(t *testing.T) {
	t.Parallel()
	for _, c := range storagetest.Databases(t) {
		if c.Name != storage.DialectPostgres {
			continue
		}
		db := storagetest.Open(t, c.DSN)
		ctx := context.Background()
		f := seedSchedule(t, db)
		ds, err := db.ListDelegations(ctx, "hns")
		if err != nil {
			t.Fatal(err)
		}
		held := &pausedStore{DB: db, written: make(chan struct{}), release: make(chan struct{})}
		done, swept := make(chan error, 1), make(chan error, 1)
		go func() {
			svc := domain.NewApprovalService(held, func() time.Time { return f.now.Add(-time.Minute) }, func() string { return testID(t, 901) })
			_, err := svc.RevokeDelegation(ctx, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, ds[0].ID)
			done <- err
		}()
		select {
		case <-held.written:
		case err := <-done:
			t.Fatalf("the revocation ended before its barrier: %v", err)
		}
		go func() {
			_, err := db.ScheduleNotifications(ctx, f.now)
			swept <- err
		}()
		err, ended := waitForALockWait(t, db, swept)
		close(held.release)
		if !ended {
			err = <-swept
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		got, _ := deputyRows(t, db, f)
		for _, g := range got {
			if strings.HasPrefix(g, "stage.") {
				t.Errorf("the sweep told the deputy through the revoked delegation: %s", g)
			}
		}
	}
}

// pausedStore holds each transaction open after its work, until release,
// having closed written.
type pausedStore struct {
	*storage.DB
	written, release chan struct{}
	once             sync.Once
}

func (s *pausedStore) InTx(ctx context.Context, fn func(tx domain.Tx) error) error {
	return s.DB.InTx(ctx, func(tx domain.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		s.once.Do(func() { close(s.written); <-s.release })
		return nil
	})
}

func ptr[T any](v T) *T { return &v }

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
