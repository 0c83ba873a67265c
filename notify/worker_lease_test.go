package notify_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage/storagetest"
)

// TestWorkerLeaseOutlastsASlowBatch: worker A claims three rows with a
// one-minute lease and each delivery takes 40 seconds, so its batch takes
// two minutes. After A's second delivery (at +80 s) worker B polls: the
// third row's lease from A's claim (+60 s) has run out, so B claims it and
// sends it. A renews each row's lease just before sending it: the second
// row (renewed at +40 s until +100 s) stays A's, and A finds the third no
// longer its own and leaves it. Every row is sent once.
func TestWorkerLeaseOutlastsASlowBatch(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			db := storagetest.Open(t, c.DSN)
			seedOutbox(t, db, 1, 3, false)
			var mu sync.Mutex
			now := t0
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			sent := map[string]int{}
			count := func(n domain.Notification) int {
				mu.Lock()
				defer mu.Unlock()
				sent[n.Key]++
				total := 0
				for _, k := range sent {
					total += k
				}
				return total
			}
			b := &notify.Worker{Outbox: db, Now: clock, Lease: time.Minute, Batch: 10,
				Email: senderFunc(func(_ context.Context, n domain.Notification) error { count(n); return nil })}
			claimedByB := 0
			aSent := 0
			a := &notify.Worker{Outbox: db, Now: clock, Lease: time.Minute, Batch: 3, Parallel: 1,
				Email: senderFunc(func(ctx context.Context, n domain.Notification) error {
					count(n)
					mu.Lock()
					now = now.Add(40 * time.Second)
					mu.Unlock()
					if aSent++; aSent == 2 {
						var err error
						if claimedByB, err = b.RunOnce(ctx); err != nil {
							t.Error(err)
						}
					}
					return nil
				})}
			if n, err := a.RunOnce(context.Background()); err != nil || n != 3 {
				t.Fatalf("A claimed %d rows (%v), want 3", n, err)
			}
			if claimedByB != 1 {
				t.Errorf("B claimed %d rows, want the one whose lease ran out", claimedByB)
			}
			if aSent != 2 {
				t.Errorf("A sent %d rows, want 2: the third became B's", aSent)
			}
			if len(sent) != 3 {
				t.Errorf("%d rows sent, want 3", len(sent))
			}
			for key, n := range sent {
				if n != 1 {
					t.Errorf("row %s sent %d times", key, n)
				}
			}
			if got := statuses(t, db, 3); got[domain.DeliverySent] != 3 {
				t.Errorf("statuses %v, want 3 sent", got)
			}
		})
	}
}

// TestWorkerDeliversChannelsSideBySide: ten webhooks that do not answer
// take at most WebhookParallel (4 here) slots, and the e-mail claimed after
// them in the same batch is sent while they hang.
func TestWorkerDeliversChannelsSideBySide(t *testing.T) {
	out := &memOutbox{}
	for i := range 10 {
		id := "hook" + string(rune('a'+i))
		out.rows = append(out.rows, domain.Notification{ID: id, Channel: domain.ChannelWebhook, WebhookID: id})
	}
	out.rows = append(out.rows, domain.Notification{ID: "mail", Channel: domain.ChannelEmail, Address: "lo@example.org"})
	release, mailed, started := make(chan struct{}), make(chan struct{}), make(chan struct{}, 10)
	var mu sync.Mutex
	inFlight, most := 0, 0
	hook := senderFunc(func(context.Context, domain.Notification) error {
		mu.Lock()
		inFlight++
		most = max(most, inFlight)
		mu.Unlock()
		started <- struct{}{}
		<-release
		mu.Lock()
		inFlight--
		mu.Unlock()
		return nil
	})
	mail := senderFunc(func(context.Context, domain.Notification) error { close(mailed); return nil })
	w := &notify.Worker{Outbox: out, Webhook: hook, Email: mail, Now: func() time.Time { return t0 }, WebhookParallel: 4}
	done := make(chan error)
	go func() { _, err := w.RunOnce(context.Background()); done <- err }()
	for range 4 {
		select {
		case <-started:
		case <-time.After(30 * time.Second): // a hang guard
			t.Fatal("fewer than 4 webhooks delivered to at once")
		}
	}
	select {
	case <-mailed:
	case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
		t.Fatal("the e-mail waits behind the hanging webhooks")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if most != 4 {
		t.Errorf("%d webhook deliveries at once, want 4", most)
	}
	if len(out.status) != 11 {
		t.Errorf("%d rows finished, want 11", len(out.status))
	}
	for id, st := range out.status {
		if st != domain.DeliverySent {
			t.Errorf("row %s: %s", id, st)
		}
	}
}
