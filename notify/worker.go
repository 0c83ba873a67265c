package notify

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
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
// A claimed batch is delivered Parallel rows at a time on each channel, so
// that a few slow endpoints (a webhook that never answers costs its whole
// timeout) do not hold up everyone's mail. Each row's lease is renewed just before it is
// sent: a batch may take longer than one lease, and a row whose lease ran
// out and that another worker claimed is left to that worker instead of
// being sent twice. The Outbox is called by one goroutine at a time.
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
	// Parallel deliveries at most at once on each channel (default 4).
	Parallel int
	Metrics  *Metrics
	// Scheduler, when set, is swept from Run at start and then every
	// ScheduleEvery (at most once per poll), before the poll's deliveries,
	// so that a reminder goes out in the same poll.
	Scheduler     Scheduler
	ScheduleEvery time.Duration

	noSMTPTold atomic.Bool // the first e-mail without an SMTP server was logged as a warning
}

// noSMTPError is the last_error of an e-mail row when serve runs without
// an SMTP server.
const noSMTPError = "no SMTP server configured (--smtp-url)"

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
	if w.ScheduleEvery <= 0 {
		w.ScheduleEvery = time.Minute
	}
}

// Run polls until ctx ends; a failing poll or sweep is logged and retried.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	var swept time.Time
	for {
		if now := w.Now(); w.Scheduler != nil && (swept.IsZero() || !now.Before(swept.Add(w.ScheduleEvery))) {
			swept = now
			_, _ = w.Schedule(ctx)
		}
		for {
			n, err := w.RunOnce(ctx)
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

// RunOnce claims one batch of due rows and delivers them, at most
// Parallel at once on each channel, so that slow webhooks take no slot of
// the e-mails; it returns how many it claimed, once all are done. After an
// outbox error no further row of the batch is started (their leases bring
// them back).
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	rows, err := w.Outbox.ClaimNotifications(ctx, w.Now(), w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	var (
		db       sync.Mutex // the Outbox, one call at a time
		wg       sync.WaitGroup
		errMu    sync.Mutex
		firstErr error
	)
	failed := func() bool { errMu.Lock(); defer errMu.Unlock(); return firstErr != nil }
	// One queue per channel, in the claim's order (oldest first), each
	// drained by up to Parallel goroutines.
	queues := map[string]chan domain.Notification{}
	for _, n := range rows {
		if queues[n.Channel] == nil {
			queues[n.Channel] = make(chan domain.Notification, len(rows))
		}
		queues[n.Channel] <- n
	}
	for _, q := range queues {
		close(q)
		for range min(w.Parallel, len(q)) {
			wg.Go(func() {
				for n := range q {
					if failed() {
						return
					}
					if err := w.deliver(ctx, n, &db); err != nil {
						errMu.Lock()
						firstErr = cmp.Or(firstErr, err)
						errMu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	return len(rows), firstErr
}

// deliver renews n's lease, checks that n may still go to its recipient,
// sends n and records the outcome: sent; undeliverable when there is no
// channel or address, when its recipient's account is disabled, no longer
// receives the role it was addressed to or can no longer see the request
// it is about, when the delegation it is about no longer runs, or
// when it is a stage notice whose stage no longer needed a decision when
// it was claimed (n.Outlived); queued again with back-off after a
// failure; failed after the last attempt. A row no longer ours is skipped.
func (w *Worker) deliver(ctx context.Context, n domain.Notification, db *sync.Mutex) error {
	db.Lock()
	ours, err := w.Outbox.RenewNotification(ctx, n.ID, n.NextAttemptAt, w.Now().Add(w.Lease))
	var refusal string
	if err == nil && ours && !n.Outlived {
		// After the renewal, so that only a row that is ours is checked, and
		// as late as can be before it is sent: a delegation that ended or
		// was revoked, or a change of the recipient's account (disabled,
		// another nation or roles, another address), that committed before
		// this read keeps the row from going out or sends it to the new
		// address, even one whose own withdrawal did not reach it
		// (domain.StillAddressed).
		var to string
		to, refusal, err = domain.StillAddressed(ctx, w.Outbox, n, w.Now())
		if err == nil && refusal == "" && to != n.Address {
			n.Address = to
			err = w.Outbox.ReaddressNotification(ctx, n.ID, to)
		}
	}
	db.Unlock()
	if err != nil {
		return err
	}
	if !ours {
		w.Log.Info("notification left to another worker", "id", n.ID, "kind", n.Kind, "channel", n.Channel)
		return nil
	}
	status, problem := domain.DeliveryUndeliverable, refusal
	switch {
	case n.Outlived:
		// "Review needed" for a stage decided meanwhile (a burst of them
		// after a mail outage) would ask for a decision nobody can take:
		// withdrawn, like a row whose recipient lost the role. The inbox
		// row stays, marked as no longer needing a decision.
		problem = domain.DecisionNoLongerNeededError
	case refusal == "":
		status, problem = w.attempt(ctx, n)
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
	return w.Outbox.FinishNotification(fctx, n.ID, status, problem, now, next)
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
