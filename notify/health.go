package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Checker tries a mail server once (SMTPSender.Check).
type Checker interface {
	Check(ctx context.Context) error
	String() string
}

// Mail server states of MailHealth.
const (
	MailUnchecked   = "unchecked"   // no check has finished since the start
	MailOK          = "ok"          // the last check connected (TLS and login included)
	MailUnreachable = "unreachable" // the last check failed; mail waits in the outbox
)

// MailState is the outcome of the last check.
type MailState struct {
	Status    string
	CheckedAt time.Time // zero while unchecked
	Since     time.Time // when Status began
	Error     string    // the cause, for the log only: it may name the host
}

// MailHealth checks the mail server every Interval in the background and
// keeps the outcome, so that /readyz reports it without dialling the server
// per probe. It logs each change of state: an unreachable server at start is
// an error in the log at once; so is one that goes away later.
type MailHealth struct {
	Server   Checker
	Interval time.Duration
	Timeout  time.Duration // of one check; 15 s when zero
	Now      func() time.Time
	Log      *slog.Logger

	mu    sync.Mutex
	state MailState
}

// NewMailHealth is an unchecked health of server.
func NewMailHealth(server Checker, interval time.Duration, log *slog.Logger) *MailHealth {
	h := &MailHealth{Server: server, Interval: interval, Now: time.Now, Log: log}
	h.state = MailState{Status: MailUnchecked, Since: h.Now()}
	return h
}

// State is the outcome of the last check.
func (h *MailHealth) State() MailState {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.state
}

// CheckOnce checks the server now, records and logs the outcome.
func (h *MailHealth) CheckOnce(ctx context.Context) MailState {
	timeout := h.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	err := h.Server.Check(cctx)
	cancel()
	now := h.Now()
	h.mu.Lock()
	prev := h.state
	next := MailState{Status: MailOK, CheckedAt: now, Since: prev.Since}
	if err != nil {
		next.Status, next.Error = MailUnreachable, err.Error()
	}
	if next.Status != prev.Status {
		next.Since = now
	}
	h.state = next
	h.mu.Unlock()
	if ctx.Err() != nil {
		return next // shutting down: the failure is ours, not the server's
	}
	switch {
	case next.Status == MailUnreachable && prev.Status == MailUnchecked:
		h.Log.Error("mail server unreachable at start; notifications stay queued and are retried",
			"smtp", h.Server.String(), "error", next.Error)
	case next.Status == MailUnreachable && prev.Status == MailOK:
		h.Log.Error("mail server unreachable; notifications stay queued and are retried",
			"smtp", h.Server.String(), "error", next.Error)
	case next.Status == MailOK && prev.Status != MailOK:
		h.Log.Info("mail server reachable", "smtp", h.Server.String())
	}
	return next
}

// Run checks at once and then every Interval until ctx ends.
func (h *MailHealth) Run(ctx context.Context) {
	h.CheckOnce(ctx)
	t := time.NewTicker(h.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			h.CheckOnce(ctx)
		}
	}
}

// Collector is exaccess_mail_server_up: 1 when the last check connected, 0
// when it failed, absent until the first check.
func (h *MailHealth) Collector() prometheus.Collector {
	return mailUpCollector{h}
}

var mailUpDesc = prometheus.NewDesc("exaccess_mail_server_up",
	"1 when the last periodic check reached the mail server (TLS and login included), 0 when it failed.", nil, nil)

type mailUpCollector struct{ h *MailHealth }

func (c mailUpCollector) Describe(ch chan<- *prometheus.Desc) { ch <- mailUpDesc }

func (c mailUpCollector) Collect(ch chan<- prometheus.Metric) {
	switch c.h.State().Status {
	case MailOK:
		ch <- prometheus.MustNewConstMetric(mailUpDesc, prometheus.GaugeValue, 1)
	case MailUnreachable:
		ch <- prometheus.MustNewConstMetric(mailUpDesc, prometheus.GaugeValue, 0)
	}
}
