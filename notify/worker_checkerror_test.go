package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
)

// checkFailingOutbox is a queueOutbox whose accounts exist and are
// enabled, except that reading account "u-bad" always fails.
type checkFailingOutbox struct {
	*queueOutbox
}

func (o checkFailingOutbox) GetUser(_ context.Context, id string) (*domain.User, error) {
	if id == "u-bad" {
		return nil, errors.New("stored account does not decode")
	}
	return &domain.User{ID: id, Username: id, Email: id + "@example.org"}, nil
}

// TestDeliveryCheckErrorIsAFailedAttempt: a row whose check at delivery
// (domain.StillAddressed) fails is recorded as a failed attempt of its own
// — queued again with the back-off, failed at the last attempt — and the
// other rows of its batch are delivered. Before, the error ended the
// batch before anything was recorded: the row was claimed again after
// every lease, its attempts counting past the last one without it ever
// failing, and the rows behind it waited each time.
func TestDeliveryCheckErrorIsAFailedAttempt(t *testing.T) {
	out := checkFailingOutbox{&queueOutbox{}}
	now := time.Date(2026, 2, 3, 10, 0, 0, 0, time.UTC)
	for i, who := range []string{"u-a", "u-bad", "u-c"} {
		out.add(domain.Notification{ID: "n-" + who, Kind: domain.NotifySubmitted, Channel: domain.ChannelEmail,
			Recipient: who, Address: who + "@example.org", CreatedAt: now,
			NextAttemptAt: now.Add(time.Duration(i) * time.Millisecond)})
	}
	sent := map[string]int{}
	mail := senderFunc(func(_ context.Context, n domain.Notification) error { sent[n.ID]++; return nil })
	w := &notify.Worker{Outbox: out, Email: mail, Parallel: 1, Now: func() time.Time { return now }}
	now = now.Add(time.Second)
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatalf("one row's failed check ended the batch: %v", err)
	}
	if sent["n-u-a"] != 1 || sent["n-u-c"] != 1 || sent["n-u-bad"] != 0 {
		t.Errorf("sent %v, want the rows of u-a and u-c once and nothing of u-bad", sent)
	}
	bad := out.row("n-u-bad")
	if bad.status != domain.DeliveryQueued || !strings.Contains(bad.lastError, "does not decode") ||
		!bad.n.NextAttemptAt.Equal(now.Add(domain.RetryDelay(1))) {
		t.Errorf("u-bad's row after its first failed check: %s %q next %s, want queued with the error, retried after %s",
			bad.status, bad.lastError, bad.n.NextAttemptAt, domain.RetryDelay(1))
	}
	for range 2 * domain.MaxDeliveryAttempts {
		now = now.Add(7 * time.Hour)
		if _, err := w.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	bad = out.row("n-u-bad")
	if bad.status != domain.DeliveryFailed || bad.n.Attempts != domain.MaxDeliveryAttempts {
		t.Errorf("u-bad's row: %s after %d attempts, want failed after %d", bad.status, bad.n.Attempts, domain.MaxDeliveryAttempts)
	}
}
