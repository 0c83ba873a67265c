package auditlog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"exaccess/domain"
)

// slowGapStore answers each gap check with the next of answers, once the
// test lets it go on.
type slowGapStore struct {
	Store
	entered chan struct{}
	answers chan error
}

func (s *slowGapStore) AuditTreeSize(context.Context) (int64, error) { return 10, nil }

func (s *slowGapStore) CheckAuditGaps(context.Context, int64, int64) error {
	s.entered <- struct{}{}
	return <-s.answers
}

// TestGapProblemDoesNotWaitForACheck: /readyz reads the last finding while
// a check is still asking the database; a check that cannot run (the
// database does not answer) leaves the finding as it was and says so.
func TestGapProblemDoesNotWaitForACheck(t *testing.T) {
	store := &slowGapStore{entered: make(chan struct{}), answers: make(chan error)}
	s := NewService(store, nil, func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) })
	log := slog.New(slog.DiscardHandler)
	done := make(chan error)
	check := func() {
		go func() { done <- s.CheckGaps(context.Background(), log) }()
		<-store.entered
	}

	check()
	if p := s.GapProblem(); p != "" { // would hang if it waited for the check
		t.Errorf("during the first check: %q", p)
	}
	store.answers <- fmt.Errorf("storage: %w", &domain.AuditEntryDamage{Entry: 7})
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	p := s.GapProblem()
	if p != gapWarning || s.GapFindingForTest() != "audit entry 7 is missing" {
		t.Fatalf("entry 7 missing: %q, %q", p, s.GapFindingForTest())
	}

	check()
	if got := s.GapProblem(); got != p {
		t.Errorf("during the second check: %q", got)
	}
	down := errors.New("storage: audit log: connection refused")
	store.answers <- down
	if err := <-done; !errors.Is(err, down) {
		t.Errorf("a check that could not run: %v", err)
	}
	if got := s.GapProblem(); got != p {
		t.Errorf("after a check that could not run: %q, want the finding before it", got)
	}
}
