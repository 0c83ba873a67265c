package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"exaccess/domain"
)

// Sender delivers one notification on one channel.
type Sender interface {
	Send(ctx context.Context, n domain.Notification) error
}

// Worker delivers due outbox rows. Several workers (replicas) may run
// against one PostgreSQL database: each claims disjoint rows.
type Worker struct {
	Outbox domain.Outbox
	Email  Sender // nil when no SMTP server is configured
	// Webhook delivers ChannelWebhook rows (WebhookSender); nil marks them
	// undeliverable.
	Webhook Sender
	Now     func() time.Time
	Log     *slog.Logger
	// Batch rows per claim, Lease before a claimed row that was not
	// finished (its worker died) is claimed again, Interval between polls.
	Batch           int
	Lease, Interval time.Duration
	Metrics         *Metrics
}

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
}

// Run polls until ctx ends; a failing poll is logged and retried.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	for {
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

// RunOnce claims one batch of due rows and delivers each; it returns how
// many it claimed.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.defaults()
	rows, err := w.Outbox.ClaimNotifications(ctx, w.Now(), w.Batch, w.Lease)
	if err != nil {
		return 0, err
	}
	for _, n := range rows {
		if err := w.deliver(ctx, n); err != nil {
			return len(rows), err
		}
	}
	return len(rows), nil
}

// deliver sends n and records the outcome: sent; undeliverable when there
// is no channel or address; queued again with back-off after a failure;
// failed after the last attempt.
func (w *Worker) deliver(ctx context.Context, n domain.Notification) error {
	status, problem := w.attempt(ctx, n)
	now := w.Now()
	next := now
	if status == domain.DeliveryQueued {
		next = now.Add(domain.RetryDelay(n.Attempts))
	}
	if status != domain.DeliverySent {
		w.Log.Warn("notification not delivered", "id", n.ID, "kind", n.Kind, "channel", n.Channel,
			"attempt", n.Attempts, "status", status, "error", problem)
	}
	w.Metrics.count(n.Channel, status)
	// Recorded even when shutdown cancels ctx: a mail that left must not
	// wait for its lease to end and go out again.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	return w.Outbox.FinishNotification(fctx, n.ID, status, problem, now, next)
}

func (w *Worker) attempt(ctx context.Context, n domain.Notification) (status, problem string) {
	var err error
	switch n.Channel {
	case domain.ChannelEmail:
		if w.Email == nil {
			return domain.DeliveryUndeliverable, "no SMTP server configured (--smtp-url)"
		}
		if n.Address == "" {
			return domain.DeliveryUndeliverable, "the account has no e-mail address"
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
