package domain

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// aheadStore is a Store whose InTx notes the request its context names for
// the read-ahead and stops there.
type aheadStore struct {
	Store
	p       Principal
	id      string
	version int
	named   bool
}

var errStopped = errors.New("stopped before the transaction")

func (s *aheadStore) InTx(ctx context.Context, _ func(Tx) error) error {
	s.p, s.id, s.version, s.named = ReadAheadOf(ctx)
	return errStopped
}

// TestChangesNameTheirRequest: every change of an existing request tells the
// store which request at which version it is about to read, so that SQLite's
// committer can have it read ahead (storage/readahead.go), and on whose
// behalf, so that it reads ahead only a request its caller may see.
func TestChangesNameTheirRequest(t *testing.T) {
	ctx := context.Background()
	now := func() time.Time { return time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC) }
	newID := func() string { return "new" }
	liaison := Principal{Subject: "lo-no", Roles: []Role{RoleLiaison}, Nation: "NO"}
	approver := Principal{Subject: "hns", Roles: []Role{RoleHNS}}
	for name, change := range map[string]func(s Store) error{
		"submit": func(s Store) error {
			_, err := NewRequestService(s, nil, nil, now, newID).Submit(ctx, liaison, "SE-2027-EXA-000007", 3)
			return err
		},
		"withdraw": func(s Store) error {
			_, err := NewRequestService(s, nil, nil, now, newID).Withdraw(ctx, liaison, "SE-2027-EXA-000007", 3, "plans changed")
			return err
		},
		"decide": func(s Store) error {
			_, err := NewApprovalService(s, nil, now, newID).Decide(ctx, approver, "SE-2027-EXA-000007", 3,
				DecisionInput{Stage: "intake", Outcome: "approve"})
			return err
		},
		"revoke": func(s Store) error {
			_, err := NewApprovalService(s, nil, now, newID).Revoke(ctx, approver, "SE-2027-EXA-000007", 3, "unsafe ice")
			return err
		},
	} {
		s := &aheadStore{}
		if err := change(s); !errors.Is(err, errStopped) {
			t.Errorf("%s: %v, want to reach the transaction", name, err)
			continue
		}
		if want := map[bool]string{true: "lo-no", false: "hns"}[strings.HasPrefix(name, "submit") || name == "withdraw"]; s.p.Subject != want {
			t.Errorf("%s read ahead for %q, want %q", name, s.p.Subject, want)
		}
		if !s.named || s.id != "SE-2027-EXA-000007" || s.version != 3 {
			t.Errorf("%s named %q at %d (%v), want SE-2027-EXA-000007 at 3", name, s.id, s.version, s.named)
		}
	}
}
