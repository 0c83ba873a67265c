package notify

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"exaccess/domain"
)

// Sender delivers one notification on one channel.
type Sender interface {
	Send(ctx context.Context, n domain.Notification) error
}

// Scheduler writes the notices that time causes rather than a change:
// reminders of stages due soon, overdue stages and their escalation,
// expiring permits, delegations that started or end (storage.DB's
// ScheduleNotifications; domain/notify_schedule.go decides). A sweep
// written twice stores each notice once.
type Scheduler interface {
	ScheduleNotifications(ctx context.Context, now time.Time) (int, error)
}

// Outbox is the worker's port: domain.Outbox, the renewal of a claimed
// row's lease just before it is sent, the reads that tell whether a row
// may still go to its recipient and where (domain.Addressees), and the
// record of a row's new address (storage.DB).
type Outbox interface {
	domain.Outbox
	domain.Addressees
	// RenewNotification extends a claimed row's lease from held (the lease
	// the worker holds) to until; false when the row is no longer the
	// worker's (another claimed it after the lease ran out, or it is no
	// longer queued), and then the worker does not send it.
	RenewNotification(ctx context.Context, id string, held, until time.Time) (bool, error)
	// ReaddressNotification records on a queued row the e-mail address it
	// goes to: its recipient's address at delivery, when the account's
	// address changed after the row was written (domain.StillAddressed).
	ReaddressNotification(ctx context.Context, id, address string) error
}

// Worker delivers due outbox rows. Several workers (replicas) may run
// against one PostgreSQL database: each claims disjoint rows.
//
// E-mails and webhook rows are claimed and delivered apart (Run), so that
// neither waits for the other. E-mails go out Parallel at a time, a batch
// after the other. A webhook gets one delivery at a time from a worker: its
// rows of a claim are sent one after the other, and when one fails (a
// receiver that does not answer costs its whole timeout) its other rows of
// that claim go back to the queue untried, with the back-off of their
// attempt. Up to WebhookParallel webhooks are delivered to at once, and Run
// claims more webhook rows without waiting for the slow ones, leaving out
// the rows of the webhooks it is still delivering to: a slow or dead
// receiver delays its own rows, not the other webhooks' nor the mail. Each
// row's lease is renewed just before it is sent: a batch may take longer
// than one lease, and a row whose lease ran out and that another worker
// claimed is left to that worker instead of being sent twice. The Outbox is
// called by one goroutine at a time.
type Worker struct {
	Outbox Outbox
	Email  Sender // nil when no SMTP server is configured
	// Webhook delivers ChannelWebhook rows (WebhookSender); nil marks them
	// undeliverable.
	Webhook Sender
	Now     func() time.Time
	Log     *slog.Logger
	// Batch rows per claim, Lease before a claimed row that was not
	// finished (its worker died) is claimed again (renewed before each
	// delivery, so it must outlast one delivery), Interval between polls.
	Batch           int
	Lease, Interval time.Duration
	// Parallel e-mails at most at once (default 4); rows of another channel
	// than e-mail or webhook (none is written) count as e-mails.
	Parallel int
	// WebhookParallel webhook deliveries at most at once, each to another
	// webhook (default 32). Run claims webhook rows while fewer webhooks
	// than this are being delivered to.
	WebhookParallel int
	Metrics         *Metrics
	// Scheduler, when set, is swept from Run at start and then every
	// ScheduleEvery (at most once per poll), before the poll's deliveries,
	// so that a reminder goes out in the same poll.
	Scheduler     Scheduler
	ScheduleEvery time.Duration

	noSMTPTold atomic.Bool // the first e-mail without an SMTP server was logged as a warning
	st         dispatch
}

// dispatch is what a worker's batches share: the Outbox's lock, the
// webhook deliveries' slots, and the webhooks whose rows are in hand.
type dispatch struct {
	once sync.Once
	db   sync.Mutex    // the Outbox, one call at a time
	hook chan struct{} // a slot per webhook delivery in flight (WebhookParallel)
	// freed wakes Run's webhook loop when a webhook's rows are all done.
	freed chan struct{}

	mu     sync.Mutex
	claims uint64           // claims made
	lanes  map[string]*lane // by webhook id: the webhooks with claimed rows in hand
}

// lane is a webhook with claimed rows in hand: one delivery to it at a time.
type lane struct {
	turn    chan struct{} // held while one batch's rows of the webhook are delivered
	batches int           // batches holding rows of it
	// failure is the last_error of the webhook's last delivery when it
	// failed, failedAt the number of claims made then: the rows of the
	// claims made until then are not tried (""/0: it did not fail).
	failure  string
	failedAt uint64
}

// batch is one claim's rows.
type batch struct {
	seq  uint64 // the claim's number
	rows []domain.Notification
}

// noSMTPError is the last_error of an e-mail row when serve runs without
// an SMTP server.
const noSMTPError = "no SMTP server configured (--smtp-url)"

// notAttemptedError starts the last_error of a webhook row that went back
// to the queue untried because a delivery to its webhook had just failed.
const notAttemptedError = "not attempted: a delivery to its webhook had just failed: "

// checkFailedError begins the last_error of a row that was not sent
// because the check of whether it may still go to its recipient
// (domain.StillAddressed) failed; the error follows.
const checkFailedError = "not attempted: checking whether it may still go to its recipient failed: "

func (w *Worker) defaults() {
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Log == nil {
		w.Log = slog.New(slog.DiscardHandler)
	}
	if w.Batch <= 0 {
		w.Batch = 20
	}
	if w.Lease <= 0 {
		w.Lease = 5 * time.Minute
	}
	if w.Interval <= 0 {
		w.Interval = 5 * time.Second
	}
	if w.Parallel <= 0 {
		w.Parallel = 4
	}
	if w.WebhookParallel <= 0 {
		w.WebhookParallel = 32
	}
	if w.ScheduleEvery <= 0 {
		w.ScheduleEvery = time.Minute
	}
	w.st.once.Do(func() {
		w.st.hook = make(chan struct{}, w.WebhookParallel)
		w.st.freed = make(chan struct{}, 1)
		w.st.lanes = map[string]*lane{}
	})
}

// Run polls until ctx ends; a failing poll or sweep is logged and retried.
// It delivers e-mails in this goroutine, a batch after the other, and
// webhook rows in another, which claims a further batch whenever the last
// one was full or a poll is due, without waiting for the deliveries of the
// batches before, as long as fewer than WebhookParallel webhooks are being
// delivered to. It returns when the deliveries under way are recorded.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	swept := make(chan struct{}, 1) // the webhook rows of a sweep go out now
	hooks := make(chan struct{})
	go func() { w.runWebhooks(ctx, swept); close(hooks) }()
	defer func() { <-hooks }()
	var sweptAt time.Time
	for {
		if now := w.Now(); w.Scheduler != nil && (sweptAt.IsZero() || !now.Before(sweptAt.Add(w.ScheduleEvery))) {
			sweptAt = now
			if n, _ := w.Schedule(ctx); n > 0 {
				select {
				case swept <- struct{}{}:
				default:
				}
			}
		}
		for {
			n, err := w.runOnce(ctx, domain.ClaimOtherRows)
			if err != nil && ctx.Err() == nil {
				w.Log.Warn("notification delivery", "error", err.Error())
			}
			if err != nil || n < w.Batch {
				break // drained or failing: wait for the next tick
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runWebhooks is Run's loop of webhook rows.
func (w *Worker) runWebhooks(ctx context.Context, swept <-chan struct{}) {
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	var running sync.WaitGroup
	defer running.Wait()
	for {
		more := false // the last claim was full, or there was no room for one
		for {
			if !w.st.room(w.WebhookParallel) {
				more = true
				break
			}
			b, err := w.claim(ctx, domain.ClaimWebhookRows)
			if err != nil {
				if ctx.Err() == nil {
					w.Log.Warn("notification delivery", "error", err.Error())
				}
				break
			}
			if len(b.rows) == 0 {
				break
			}
			running.Go(func() {
				if err := w.deliverBatch(ctx, b); err != nil && ctx.Err() == nil {
					w.Log.Warn("notification delivery", "error", err.Error())
				}
			})
			if len(b.rows) < w.Batch {
				break
			}
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				break wait
			case <-swept:
				break wait
			case <-w.st.freed:
				if more {
					break wait
				}
			}
		}
	}
}

// Schedule runs one sweep of the Scheduler at the worker's now. An error is
// logged and returned; the next sweep tries again (its notices are those
// still due then, so none is lost by a failed sweep).
func (w *Worker) Schedule(ctx context.Context) (int, error) {
	w.defaults()
	if w.Scheduler == nil {
		return 0, nil
	}
	n, err := w.Scheduler.ScheduleNotifications(ctx, w.Now())
	if err != nil && ctx.Err() == nil {
		w.Log.Warn("notification reminders", "error", err.Error())
	}
	return n, err
}

// RunOnce claims one batch of due rows of every channel and delivers them:
// e-mails Parallel at once, beside the webhooks, one delivery at a time to
// each webhook (at most WebhookParallel at once), a webhook's rows going
// back untried when one of them fails. It returns how many it claimed, once
// all are done. After an outbox error no further row of the batch is
// started (their leases bring them back).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	return w.runOnce(ctx, domain.ClaimAnyChannel)
}

func (w *Worker) runOnce(ctx context.Context, channels domain.ClaimChannels) (int, error) {
	b, err := w.claim(ctx, channels)
	if err != nil {
		return 0, err
	}
	return len(b.rows), w.deliverBatch(ctx, b)
}

// claim claims a batch of due rows of channels, less those of the webhooks
// that this worker still has rows of, and takes a lane for each of its
// webhooks.
func (w *Worker) claim(ctx context.Context, channels domain.ClaimChannels) (batch, error) {
	st := &w.st
	st.db.Lock()
	defer st.db.Unlock()
	scope := domain.ClaimScope{Channels: channels}
	if channels != domain.ClaimOtherRows {
		st.mu.Lock()
		for id := range st.lanes {
			if id != "" {
				scope.BusyWebhooks = append(scope.BusyWebhooks, id)
			}
		}
		st.mu.Unlock()
		slices.Sort(scope.BusyWebhooks)
	}
	rows, err := w.Outbox.ClaimNotifications(ctx, w.Now(), w.Batch, w.Lease, scope)
	if err != nil {
		return batch{}, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.claims++
	b := batch{seq: st.claims, rows: rows}
	taken := map[string]bool{}
	for _, n := range rows {
		if n.Channel != domain.ChannelWebhook || taken[n.WebhookID] {
			continue
		}
		taken[n.WebhookID] = true
		l := st.lanes[n.WebhookID]
		if l == nil {
			l = &lane{turn: make(chan struct{}, 1)}
			st.lanes[n.WebhookID] = l
		}
		l.batches++
	}
	return b, nil
}

// room reports whether fewer than most webhooks have rows in hand.
func (st *dispatch) room(most int) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return len(st.lanes) < most
}

// deliverBatch delivers b's rows: the e-mails (and rows of any other
// channel but webhooks) Parallel at once in the claim's order, beside the
// webhook rows, each webhook's in the claim's order.
func (w *Worker) deliverBatch(ctx context.Context, b batch) error {
	var (
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	failed := func() bool { errMu.Lock(); defer errMu.Unlock(); return firstErr != nil }
	fail := func(err error) { errMu.Lock(); firstErr = cmp.Or(firstErr, err); errMu.Unlock() }
	var others []domain.Notification
	hooks := map[string][]domain.Notification{}
	var order []string
	for _, n := range b.rows {
		if n.Channel != domain.ChannelWebhook {
			others = append(others, n)
			continue
		}
		if _, ok := hooks[n.WebhookID]; !ok {
			order = append(order, n.WebhookID)
		}
		hooks[n.WebhookID] = append(hooks[n.WebhookID], n)
	}
	q := make(chan domain.Notification, len(others))
	for _, n := range others {
		q <- n
	}
	close(q)
	for range min(w.Parallel, len(others)) {
		wg.Go(func() {
			for n := range q {
				if failed() {
					return
				}
				if _, err := w.deliver(ctx, n, ""); err != nil {
					fail(err)
				}
			}
		})
	}
	for _, id := range order {
		wg.Go(func() {
			if err := w.deliverToWebhook(ctx, b.seq, id, hooks[id], failed); err != nil {
				fail(err)
			}
		})
	}
	wg.Wait()
	return firstErr
}

// deliverToWebhook delivers rows, one batch's rows of webhook id, one after
// the other once no other batch of this worker is delivering to it, each
// in a slot of the worker's webhook deliveries. When a delivery to the
// webhook fails, the rows of the batches claimed until then are not tried:
// they go back to the queue with the back-off of their attempt.
func (w *Worker) deliverToWebhook(ctx context.Context, seq uint64, id string, rows []domain.Notification, failed func() bool) error {
	st := &w.st
	st.mu.Lock()
	l := st.lanes[id]
	st.mu.Unlock()
	defer st.leave(id, l)
	select {
	case l.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-l.turn }()
	for _, n := range rows {
		if failed() {
			return nil
		}
		st.mu.Lock()
		failure := ""
		if l.failure != "" && seq <= l.failedAt {
			failure = l.failure
		}
		st.mu.Unlock()
		if failure != "" {
			if _, err := w.deliver(ctx, n, failure); err != nil {
				return err
			}
			continue
		}
		select {
		case st.hook <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		o, err := w.deliver(ctx, n, "")
		<-st.hook
		if err != nil {
			return err
		}
		if o.attempted {
			st.mu.Lock()
			switch o.status {
			case domain.DeliverySent:
				l.failure, l.failedAt = "", 0
			case domain.DeliveryQueued, domain.DeliveryFailed:
				l.failure, l.failedAt = o.problem, st.claims
			}
			st.mu.Unlock()
		}
	}
	return nil
}

// leave ends a batch's hold on webhook id's lane l; the last one frees it.
func (st *dispatch) leave(id string, l *lane) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if l.batches--; l.batches == 0 && st.lanes[id] == l {
		delete(st.lanes, id)
		select {
		case st.freed <- struct{}{}:
		default:
		}
	}
}

// outcome is what became of one claimed row.
type outcome struct {
	status, problem string
	attempted       bool // it was sent to its channel (not refused, not outlived, not sent back untried)
}

// deliver renews n's lease, checks that n may still go to its recipient,
// sends n and records the outcome: sent; undeliverable when there is no
// channel or address, when its recipient's account is disabled, no longer
// receives the role it was addressed to or can no longer see the request
// it is about, when the delegation it is about no longer runs, or
// when it is a stage notice whose stage no longer needed a decision when
// it was claimed (n.Outlived); queued again with back-off after a
// failure, or after a check of its recipient that failed; failed after
// the last attempt. A row no longer ours is skipped.
// With notAttempted (the last_error of its webhook's delivery that just
// failed) n is not sent but recorded as an attempt that failed so.
func (w *Worker) deliver(ctx context.Context, n domain.Notification, notAttempted string) (outcome, error) {
	db := &w.st.db
	db.Lock()
	ours, err := w.Outbox.RenewNotification(ctx, n.ID, n.NextAttemptAt, w.Now().Add(w.Lease))
	var refusal string
	var checkErr error
	if err == nil && ours && !n.Outlived {
		// After the renewal, so that only a row that is ours is checked, and
		// as late as can be before it is sent: a delegation that ended or
		// was revoked, or a change of the recipient's account (disabled,
		// another nation or roles, another address), that committed before
		// this read keeps the row from going out or sends it to the new
		// address, even one whose own withdrawal did not reach it
		// (domain.StillAddressed).
		//
		// A check that fails (a read that fails, a stored account that does
		// not decode) is this row's failed attempt, not the batch's: the
		// row backs off and fails at its last attempt like any other, and
		// the rest of the batch goes on. Only shutdown ends the batch.
		var to string
		to, refusal, checkErr = domain.StillAddressed(ctx, w.Outbox, n, w.Now())
		switch {
		case checkErr != nil && ctx.Err() != nil:
			err = checkErr
		case checkErr == nil && refusal == "" && to != n.Address:
			n.Address = to
			err = w.Outbox.ReaddressNotification(ctx, n.ID, to)
		}
	}
	db.Unlock()
	if err != nil {
		return outcome{}, err
	}
	if !ours {
		w.Log.Info("notification left to another worker", "id", n.ID, "kind", n.Kind, "channel", n.Channel)
		return outcome{}, nil
	}
	status, problem, attempted := domain.DeliveryUndeliverable, refusal, false
	switch {
	case n.Outlived:
		// "Review needed" for a stage decided meanwhile (a burst of them
		// after a mail outage) would ask for a decision nobody can take:
		// withdrawn, like a row whose recipient lost the role. The inbox
		// row stays, marked as no longer needing a decision.
		problem = domain.DecisionNoLongerNeededError
	case checkErr != nil:
		// Whether it may still go, and where, is unknown: not sent, and
		// tried again with the back-off of a failed attempt.
		status, problem = domain.DeliveryQueued, checkFailedError+checkErr.Error()
		if n.Attempts >= domain.MaxDeliveryAttempts {
			status = domain.DeliveryFailed
		}
	case refusal == "" && notAttempted != "":
		// Its webhook did not take the delivery before it: this one would
		// wait its timeout too. It backs off as if tried, and fails at its
		// last attempt, like the row it follows.
		status, problem = domain.DeliveryQueued, notAttemptedError+notAttempted
		if n.Attempts >= domain.MaxDeliveryAttempts {
			status = domain.DeliveryFailed
		}
	case refusal == "":
		status, problem = w.attempt(ctx, n)
		attempted = true
	}
	now := w.Now()
	next := now
	if status == domain.DeliveryQueued {
		next = now.Add(domain.RetryDelay(n.Attempts))
	}
	if status != domain.DeliverySent {
		// Without an SMTP server every e-mail is undeliverable: serve says
		// so when it starts, and one warning here is enough; the rest are
		// logged at debug level, so that a demo's log is not one line per mail.
		// A stage notice outlived by its decision is expected, not a fault:
		// logged at info level.
		level := slog.LevelWarn
		if problem == noSMTPError && !w.noSMTPTold.CompareAndSwap(false, true) {
			level = slog.LevelDebug
		} else if n.Outlived {
			level = slog.LevelInfo
		}
		w.Log.Log(ctx, level, "notification not delivered", "id", n.ID, "kind", n.Kind, "channel", n.Channel,
			"attempt", n.Attempts, "status", status, "error", problem)
	}
	w.Metrics.count(n.Channel, status)
	// Recorded even when shutdown cancels ctx: a mail that left must not
	// wait for its lease to end and go out again.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	db.Lock()
	defer db.Unlock()
	return outcome{status: status, problem: problem, attempted: attempted},
		w.Outbox.FinishNotification(fctx, n.ID, status, problem, now, next)
}

func (w *Worker) attempt(ctx context.Context, n domain.Notification) (status, problem string) {
	var err error
	switch n.Channel {
	case domain.ChannelEmail:
		if w.Email == nil {
			return domain.DeliveryUndeliverable, noSMTPError
		}
		if n.Address == "" {
			return domain.DeliveryUndeliverable, domain.NoAddressError
		}
		err = w.Email.Send(ctx, n)
	case domain.ChannelWebhook:
		if w.Webhook == nil {
			return domain.DeliveryUndeliverable, "webhook delivery is not configured"
		}
		err = w.Webhook.Send(ctx, n)
	default:
		return domain.DeliveryUndeliverable, "unknown channel " + n.Channel
	}
	switch {
	case err == nil:
		return domain.DeliverySent, ""
	case errors.Is(err, ErrUndeliverable):
		return domain.DeliveryUndeliverable, err.Error()
	case n.Attempts >= domain.MaxDeliveryAttempts:
		return domain.DeliveryFailed, err.Error()
	default:
		return domain.DeliveryQueued, err.Error()
	}
}
