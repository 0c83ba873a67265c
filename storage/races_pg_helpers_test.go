package storage_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// The helpers of the PostgreSQL race tests (races_pg_test.go): a store
// that holds one transaction open right after a chosen read, so that a
// second transaction runs in between — deterministically, not by luck of
// timing — and the database they run on.

// postgresOnly opens a fresh PostgreSQL database, or skips the test when
// none is configured: the races it shows are check-then-act races under
// READ COMMITTED, which SQLite cannot have (its single writer commits one
// transaction after the other, so a transaction's reads always see the
// writes of every transaction that committed before it began writing).
func postgresOnly(t *testing.T) *storage.DB {
	t.Helper()
	if os.Getenv(storagetest.PostgresEnv) == "" {
		t.Skipf("PostgreSQL only (set %s): SQLite's single writer runs transactions one after the other, so this race cannot happen there",
			storagetest.PostgresEnv)
	}
	for _, c := range storagetest.Databases(t) {
		if c.Name == storage.DialectPostgres {
			return storagetest.Open(t, c.DSN)
		}
	}
	t.Fatal("no PostgreSQL database among storagetest.Databases")
	return nil
}

// pauseStore wraps a DB so that a test can stop one transaction right
// after a chosen read or write of its Tx (hook, given the method's name,
// returns a channel to close when it is reached and one to wait on, or
// nils to go on).
type pauseStore struct {
	*storage.DB
	mu   sync.Mutex
	hook func(method string) (reached chan<- struct{}, release <-chan struct{})
	runs atomic.Int64 // transaction attempts begun: InTx runs one again that PostgreSQL aborted
}

// setHook installs hook for the transactions begun from now on.
func (p *pauseStore) setHook(hook func(string) (chan<- struct{}, <-chan struct{})) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hook = hook
}

func (p *pauseStore) InTx(ctx context.Context, fn func(tx domain.Tx) error) error {
	return p.DB.InTx(ctx, func(tx domain.Tx) error {
		p.runs.Add(1)
		return fn(&pauseTx{Tx: tx, s: p})
	})
}

type pauseTx struct {
	domain.Tx
	s *pauseStore
}

func (t *pauseTx) pause(method string) {
	t.s.mu.Lock()
	h := t.s.hook
	t.s.mu.Unlock()
	if h == nil {
		return
	}
	reached, release := h(method)
	if reached == nil {
		return
	}
	close(reached)
	<-release
}

func (t *pauseTx) TrainingAreas(codes []string, lock bool) ([]domain.TrainingArea, error) {
	a, err := t.Tx.TrainingAreas(codes, lock)
	t.pause("TrainingAreas")
	return a, err
}

func (t *pauseTx) AreaDayLoads(area string, from, to time.Time, exclude string) ([]domain.AreaDayLoad, error) {
	l, err := t.Tx.AreaDayLoads(area, from, to, exclude)
	t.pause("AreaDayLoads")
	return l, err
}

func (t *pauseTx) ActiveDelegations(user string, at time.Time) ([]domain.Delegation, error) {
	d, err := t.Tx.ActiveDelegations(user, at)
	t.pause("ActiveDelegations")
	return d, err
}

func (t *pauseTx) UpdateUser(u *domain.User, expectedVersion int) error {
	err := t.Tx.UpdateUser(u, expectedVersion)
	t.pause("UpdateUser")
	return err
}

func (t *pauseTx) GetFramework(id string) (*domain.Framework, error) {
	f, err := t.Tx.GetFramework(id)
	t.pause("GetFramework")
	return f, err
}

func (t *pauseTx) GetFrameworkForUpdate(id string) (*domain.Framework, error) {
	f, err := t.Tx.GetFrameworkForUpdate(id)
	t.pause("GetFrameworkForUpdate")
	return f, err
}

func (t *pauseTx) AppendAudit(e *domain.AuditEntry) error {
	err := t.Tx.AppendAudit(e)
	t.pause("AppendAudit")
	return err
}

// onePause is a hook that pauses the first call of method only, with the
// channels it closes when reached and waits on.
func onePause(method string) (hook func(string) (chan<- struct{}, <-chan struct{}), reached, release chan struct{}) {
	reached, release = make(chan struct{}), make(chan struct{})
	var once sync.Once
	return func(m string) (chan<- struct{}, <-chan struct{}) {
		if m != method {
			return nil, nil
		}
		var r chan<- struct{}
		once.Do(func() { r = reached })
		if r == nil {
			return nil, nil
		}
		return r, release
	}, reached, release
}

// runAgainst runs first until it reaches the paused point (the hook set
// on ps), then second, waits until second either waits for a lock held by
// first or ends, releases first and returns both errors, and whether
// second ended before first was released.
func runAgainst(t *testing.T, db *storage.DB, ps *pauseStore, method string, first, second func() error) (err1, err2 error, secondEndedFirst bool) {
	t.Helper()
	hook, reached, release := onePause(method)
	ps.setHook(hook)
	defer ps.setHook(nil)
	done1 := make(chan error, 1)
	go func() { done1 <- first() }()
	<-reached
	done2 := make(chan error, 1)
	go func() { done2 <- second() }()
	err2, ended := waitForALockWait(t, db, done2)
	close(release)
	err1 = <-done1
	if !ended {
		err2 = <-done2
	}
	return err1, err2, ended
}

// runTogether starts every op of round at once and waits for all of them,
// reporting each that failed by its name.
func runTogether(t *testing.T, round int, ops map[string]func() error) {
	t.Helper()
	start := make(chan struct{})
	errs := make(chan error, len(ops))
	for name, op := range ops {
		go func() {
			<-start
			if err := op(); err != nil {
				errs <- fmt.Errorf("round %d, %s: %w", round, name, err)
				return
			}
			errs <- nil
		}()
	}
	close(start)
	for range ops {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
