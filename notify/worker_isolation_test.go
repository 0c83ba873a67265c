package notify_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
)

// queueOutbox is an outbox in memory with the storage's rules: a claim
// takes the due queued rows, oldest due first, leases them and counts the
// attempt; a renewal holds only under the lease the caller holds; a finish
// changes only a queued row. Safe for the test to read while a worker runs.
type queueOutbox struct {
	memOutbox // the Addressees: rows of no account
	mu        sync.Mutex
	rows      []*queuedRow
}

type queuedRow struct {
	n                 domain.Notification // Attempts and NextAttemptAt as stored
	status, lastError string
}

func (q *queueOutbox) add(n domain.Notification) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.rows = append(q.rows, &queuedRow{n: n, status: domain.DeliveryQueued})
}

func (q *queueOutbox) ClaimNotifications(_ context.Context, now time.Time, limit int, lease time.Duration, scope domain.ClaimScope) ([]domain.Notification, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	due := []*queuedRow{}
	for _, r := range q.rows {
		hook := r.n.Channel == domain.ChannelWebhook
		if r.status == domain.DeliveryQueued && !r.n.NextAttemptAt.After(now) &&
			!(scope.Channels == domain.ClaimWebhookRows && !hook) && !(scope.Channels == domain.ClaimOtherRows && hook) &&
			!(r.n.WebhookID != "" && slices.Contains(scope.BusyWebhooks, r.n.WebhookID)) {
			due = append(due, r)
		}
	}
	slices.SortStableFunc(due, func(a, b *queuedRow) int {
		return cmp.Or(a.n.NextAttemptAt.Compare(b.n.NextAttemptAt), strings.Compare(a.n.ID, b.n.ID))
	})
	var out []domain.Notification
	for _, r := range due[:min(limit, len(due))] {
		r.n.Attempts++
		r.n.NextAttemptAt = now.Add(lease)
		out = append(out, r.n)
	}
	return out, nil
}

func (q *queueOutbox) RenewNotification(_ context.Context, id string, held, until time.Time) (bool, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	r := q.find(id)
	if r == nil || r.status != domain.DeliveryQueued || !r.n.NextAttemptAt.Equal(held) {
		return false, nil
	}
	r.n.NextAttemptAt = until
	return true, nil
}

func (q *queueOutbox) FinishNotification(_ context.Context, id, status, lastError string, _, next time.Time) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if r := q.find(id); r != nil && r.status == domain.DeliveryQueued {
		r.status, r.lastError, r.n.NextAttemptAt = status, lastError, next
	}
	return nil
}

func (q *queueOutbox) find(id string) *queuedRow {
	for _, r := range q.rows {
		if r.n.ID == id {
			return r
		}
	}
	return nil
}

// row is a copy of row id as stored.
func (q *queueOutbox) row(id string) queuedRow {
	q.mu.Lock()
	defer q.mu.Unlock()
	if r := q.find(id); r != nil {
		return *r
	}
	return queuedRow{}
}

// eventually polls cond until it holds; a hang guard, not a timing
// assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 60 s: %s", what)
		}
	}
}

// TestSlowWebhookDelaysOnlyItsOwnRows is the security review's case: one
// user's ten webhooks point at an endpoint that takes connections and
// never answers, and forty notices to them are due before another user's
// notice to a working webhook and an e-mail. The running worker delivers
// the other user's webhook and the e-mail while the dead endpoint's first
// deliveries are still waiting for their answer (the sender gives up
// after 8 s without one): before, they waited for the whole batch of
// twenty dead rows to time out, four at a time, and the batch after it.
// The dead endpoint never has two deliveries of one webhook at once.
func TestSlowWebhookDelaysOnlyItsOwnRows(t *testing.T) {
	var mu sync.Mutex
	inFlight, most, answered := map[string]int{}, map[string]int{}, 0
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight[r.URL.Path]++
		most[r.URL.Path] = max(most[r.URL.Path], inFlight[r.URL.Path])
		mu.Unlock()
		select {
		case <-release:
		case <-r.Context().Done():
		}
		mu.Lock()
		inFlight[r.URL.Path]--
		answered++
		mu.Unlock()
	}))
	defer slow.Close()
	defer close(release) // before the server closes: Close waits for its handlers
	fastHits := 0
	fast := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fastHits++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer fast.Close()

	secret, _ := domain.NewWebhookSecret()
	dir := directory{"fast": {ID: "fast", URL: fast.URL + "/hook", Secret: secret}}
	out := &queueOutbox{}
	due := time.Now().Add(-time.Minute)
	for i := range 40 {
		hook := fmt.Sprintf("dead%d", i%10)
		dir[hook] = &domain.Webhook{ID: hook, URL: slow.URL + "/" + hook, Secret: secret}
		out.add(domain.Notification{ID: fmt.Sprintf("s%02d", i), Kind: domain.NotifySubmitted, Channel: domain.ChannelWebhook,
			WebhookID: hook, CreatedAt: due, NextAttemptAt: due.Add(time.Duration(i) * time.Millisecond)})
	}
	out.add(domain.Notification{ID: "t-fast", Kind: domain.NotifySubmitted, Channel: domain.ChannelWebhook, WebhookID: "fast",
		CreatedAt: due, NextAttemptAt: due.Add(time.Second)})
	out.add(domain.Notification{ID: "t-mail", Kind: domain.NotifySubmitted, Channel: domain.ChannelEmail, Address: "lo@example.org",
		CreatedAt: due, NextAttemptAt: due.Add(time.Second)})
	mailed := 0
	mail := senderFunc(func(context.Context, domain.Notification) error { mu.Lock(); mailed++; mu.Unlock(); return nil })
	w := &notify.Worker{Outbox: out, Webhook: notify.NewWebhookSender(dir, true, true), Email: mail, Interval: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan struct{})
	go func() { w.Run(ctx); close(ran) }()

	eventually(t, "the other user's webhook and the e-mail are not delivered", func() bool {
		return out.row("t-fast").status == domain.DeliverySent && out.row("t-mail").status == domain.DeliverySent
	})
	mu.Lock()
	gaveUp := answered
	mu.Unlock()
	if gaveUp != 0 {
		t.Errorf("the fast webhook and the e-mail were delivered only after %d deliveries to the dead endpoint gave up", gaveUp)
	}
	for i := range 40 {
		if r := out.row(fmt.Sprintf("s%02d", i)); r.status != domain.DeliveryQueued || r.lastError != "" {
			t.Errorf("dead row s%02d: %s (%q) while its endpoint has not answered yet", i, r.status, r.lastError)
		}
	}
	eventually(t, "the dead webhooks are not all tried at once", func() bool { mu.Lock(); defer mu.Unlock(); return len(most) == 10 })
	cancel()
	<-ran
	mu.Lock()
	defer mu.Unlock()
	if fastHits != 1 || mailed != 1 {
		t.Errorf("fast webhook reached %d times, e-mail sent %d times; want once each", fastHits, mailed)
	}
	for path, n := range most {
		if n != 1 {
			t.Errorf("%s: %d deliveries at once, want one at a time", path, n)
		}
	}
}

// TestFailedWebhookSendsBackItsOtherRows: when a delivery to a webhook
// fails, the other rows of that webhook in the batch are not tried: they
// go back to the queue with the back-off of their attempt (the claim
// counted it), the last one failed like a tried row at its last attempt,
// and their last_error says why. The other webhook's row and the e-mail
// are sent.
func TestFailedWebhookSendsBackItsOtherRows(t *testing.T) {
	out := &queueOutbox{}
	for _, n := range []domain.Notification{
		{ID: "a1", WebhookID: "A"}, {ID: "b1", WebhookID: "B"}, {ID: "a2", WebhookID: "A"},
		{ID: "a3", WebhookID: "A", Attempts: domain.MaxDeliveryAttempts - 1},
		{ID: "m1", Channel: domain.ChannelEmail, Address: "lo@example.org"},
	} {
		n.Channel = cmp.Or(n.Channel, domain.ChannelWebhook)
		n.NextAttemptAt = t0
		out.add(n)
	}
	var mu sync.Mutex
	calls := map[string]int{}
	hook := senderFunc(func(_ context.Context, n domain.Notification) error {
		mu.Lock()
		calls[n.WebhookID]++
		mu.Unlock()
		if n.WebhookID == "A" {
			return errors.New("webhook answered 503")
		}
		return nil
	})
	mail := senderFunc(func(context.Context, domain.Notification) error { return nil })
	w := &notify.Worker{Outbox: out, Webhook: hook, Email: mail, Now: func() time.Time { return t0 }}
	if n, err := w.RunOnce(context.Background()); err != nil || n != 5 {
		t.Fatalf("claimed %d, %v", n, err)
	}
	if calls["A"] != 1 || calls["B"] != 1 {
		t.Errorf("deliveries per webhook: %v, want one to A (which failed) and one to B", calls)
	}
	for _, c := range []struct {
		id, status, err string
		next            time.Time
	}{
		{"a1", domain.DeliveryQueued, "webhook answered 503", t0.Add(domain.RetryDelay(1))},
		{"a2", domain.DeliveryQueued, "not attempted", t0.Add(domain.RetryDelay(1))},
		{"a3", domain.DeliveryFailed, "not attempted", t0},
		{"b1", domain.DeliverySent, "", t0},
		{"m1", domain.DeliverySent, "", t0},
	} {
		r := out.row(c.id)
		if r.status != c.status || !strings.Contains(r.lastError, c.err) || (c.err == "" && r.lastError != "") || !r.n.NextAttemptAt.Equal(c.next) {
			t.Errorf("%s: %s %q next %v; want %s %q next %v", c.id, r.status, r.lastError, r.n.NextAttemptAt, c.status, c.err, c.next)
		}
		if c.err == "not attempted" && !strings.Contains(r.lastError, "webhook answered 503") {
			t.Errorf("%s: last_error %q does not say what its webhook answered", c.id, r.lastError)
		}
	}
}

// TestRunClaimsPastAHangingWebhook: the running worker claims in batches
// of two and does not wait for a webhook that hangs before claiming the
// next: webhook B's row is delivered while A's first delivery hangs. A's
// other row of that batch waits for it (one delivery per webhook at once),
// and A's rows of later batches are not claimed while it hangs. When it
// fails, its batch's other row goes back to the queue untried; A's rows
// claimed after that are tried again (one, which fails, sending the other
// back).
func TestRunClaimsPastAHangingWebhook(t *testing.T) {
	out := &queueOutbox{}
	due := time.Now().Add(-time.Minute)
	for i, id := range []string{"a1", "a2", "a3", "a4", "b1"} {
		out.add(domain.Notification{ID: id, Channel: domain.ChannelWebhook, WebhookID: strings.ToUpper(id[:1]),
			NextAttemptAt: due.Add(time.Duration(i) * time.Millisecond)})
	}
	started, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	defer once.Do(func() { close(release) })
	var mu sync.Mutex
	calls := map[string]int{}
	hook := senderFunc(func(ctx context.Context, n domain.Notification) error {
		mu.Lock()
		calls[n.WebhookID]++
		first := n.WebhookID == "A" && calls["A"] == 1
		mu.Unlock()
		if n.WebhookID == "B" {
			return nil
		}
		if first {
			close(started)
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return errors.New("webhook: timeout awaiting response headers")
	})
	w := &notify.Worker{Outbox: out, Webhook: hook, Batch: 2, Interval: 20 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := make(chan struct{})
	go func() { w.Run(ctx); close(ran) }()
	<-started
	eventually(t, "B's row waits behind A's hanging delivery", func() bool { return out.row("b1").status == domain.DeliverySent })
	mu.Lock()
	if calls["A"] != 1 {
		t.Errorf("%d deliveries to A at once, want 1", calls["A"])
	}
	mu.Unlock()
	for id, want := range map[string]int{"a2": 1, "a3": 0, "a4": 0} {
		if r := out.row(id); r.n.Attempts != want {
			t.Errorf("%s claimed %d times while A hangs, want %d", id, r.n.Attempts, want)
		}
	}
	once.Do(func() { close(release) })
	eventually(t, "A's rows are not sent back", func() bool {
		for _, id := range []string{"a1", "a2", "a3", "a4"} {
			if out.row(id).lastError == "" {
				return false
			}
		}
		return true
	})
	cancel()
	<-ran
	if calls["A"] != 2 {
		t.Errorf("%d deliveries to A, want 2: one per claim of its rows", calls["A"])
	}
	for id, want := range map[string]string{"a1": "timeout", "a2": "not attempted", "a3": "timeout", "a4": "not attempted"} {
		if r := out.row(id); r.status != domain.DeliveryQueued || !strings.Contains(r.lastError, want) || r.n.Attempts != 1 {
			t.Errorf("%s: %s %q after %d attempts, want queued %q after 1", id, r.status, r.lastError, r.n.Attempts, want)
		}
	}
}
