package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"exaccess/api"
	"exaccess/notify"
)

// notifyConfig is how serve delivers the notification outbox.
type notifyConfig struct {
	SMTPURL  string // "" for none: e-mail rows are marked undeliverable
	MailFrom string
	Interval time.Duration // between polls of the outbox
	// Lease is how long a claimed notification is left to its worker before
	// another takes it again (the worker died mid-delivery).
	Lease time.Duration
	// SMTPCheck is the interval of the background mail-server check that
	// /readyz reports.
	SMTPCheck time.Duration
	// PublicURL is the console's address as users reach it; the mails'
	// links are made absolute under it. "" leaves them console paths.
	PublicURL string
	// WebhookAllowHTTP admits http:// webhook URLs and WebhookAllowPrivate
	// deliveries to loopback and private addresses: for tests and local
	// setups, never in production.
	WebhookAllowHTTP, WebhookAllowPrivate bool
}

func defaultNotify() notifyConfig {
	return notifyConfig{MailFrom: "exaccess@localhost", Interval: 5 * time.Second, Lease: 5 * time.Minute,
		SMTPCheck: 30 * time.Second}
}

func notifyFlags(fs *flag.FlagSet, c *notifyConfig, getenv func(string) string, envErrs *[]string) {
	envDuration(getenv, "EXACCESS_NOTIFY_INTERVAL", &c.Interval, envErrs)
	envDuration(getenv, "EXACCESS_NOTIFY_LEASE", &c.Lease, envErrs)
	envDuration(getenv, "EXACCESS_SMTP_CHECK_INTERVAL", &c.SMTPCheck, envErrs)
	fs.StringVar(&c.SMTPURL, "smtp-url", envOr(getenv, "EXACCESS_SMTP_URL", c.SMTPURL),
		"mail server for notifications: smtp://[user:pass@]host:port[?tls=required|opportunistic|none] or smtps://…; empty for none (EXACCESS_SMTP_URL)")
	fs.StringVar(&c.MailFrom, "mail-from", envOr(getenv, "EXACCESS_MAIL_FROM", c.MailFrom),
		"sender address of notification e-mails (EXACCESS_MAIL_FROM)")
	fs.StringVar(&c.PublicURL, "public-url", envOr(getenv, "EXACCESS_PUBLIC_URL", c.PublicURL),
		"the console's address as users reach it, like https://access.example.org; e-mails link to its pages; empty: the mails give paths (EXACCESS_PUBLIC_URL)")
	for _, b := range []struct {
		to        *bool
		flag, env string
		usage     string
	}{
		{&c.WebhookAllowHTTP, "webhook-allow-http", "EXACCESS_WEBHOOK_ALLOW_HTTP", "accept and deliver to http:// webhook URLs, not only https; for tests and local setups"},
		{&c.WebhookAllowPrivate, "webhook-allow-private", "EXACCESS_WEBHOOK_ALLOW_PRIVATE", "let webhook deliveries reach loopback, private and link-local addresses; for tests and local setups"},
	} {
		envBool(getenv, b.env, b.to, envErrs)
		fs.BoolVar(b.to, b.flag, *b.to, b.usage+" ("+b.env+")")
	}
	fs.DurationVar(&c.Interval, "notify-interval", c.Interval, "how often the outbox is polled for due notifications (EXACCESS_NOTIFY_INTERVAL)")
	fs.DurationVar(&c.Lease, "notify-lease", c.Lease,
		"how long a claimed notification is left to its worker before another sends it again; longer than one delivery takes (EXACCESS_NOTIFY_LEASE)")
	fs.DurationVar(&c.SMTPCheck, "smtp-check-interval", c.SMTPCheck,
		"how often the mail server is checked for GET /readyz (EXACCESS_SMTP_CHECK_INTERVAL)")
}

// envDuration reads a duration from the environment into d; one that does
// not parse is a configuration error, never a silent default.
func envDuration(getenv func(string) string, key string, d *time.Duration, envErrs *[]string) {
	v := getenv(key)
	if v == "" {
		return
	}
	parsed, err := time.ParseDuration(v)
	if err != nil {
		*envErrs = append(*envErrs, key+" must be a duration like 5s")
		return
	}
	*d = parsed
}

// validate parses the SMTP URL, sender and public URL once, so that a bad
// one stops the start instead of dropping mail later. Errors never show the
// password.
func (c notifyConfig) validate() []string {
	var errs []string
	if c.Interval < 10*time.Millisecond || c.Interval > time.Hour {
		errs = append(errs, "--notify-interval must be between 10ms and 1h")
	}
	// The worker renews a row's lease just before sending it, so the lease
	// need only outlast one delivery (the SMTP client's timeout is 30 s);
	// a shorter one is allowed for tests and warned of by startNotifier.
	if c.Lease < time.Second || c.Lease > 24*time.Hour {
		errs = append(errs, "--notify-lease must be between 1s and 24h")
	}
	if c.SMTPCheck < time.Second || c.SMTPCheck > time.Hour {
		errs = append(errs, "--smtp-check-interval must be between 1s and 1h")
	}
	if msg := publicURLProblem(c.PublicURL); msg != "" {
		errs = append(errs, msg)
	}
	if c.SMTPURL == "" {
		return errs
	}
	if _, err := c.sender(); err != nil {
		errs = append(errs, err.Error())
	}
	return errs
}

// publicURLProblem checks --public-url: empty, or an absolute http(s) URL
// without credentials, query or fragment, that links can be appended to.
func publicURLProblem(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Opaque != "":
		return fmt.Sprintf("--public-url %q must be an absolute http(s) URL like https://access.example.org", raw)
	case u.User != nil:
		return "--public-url must not carry a user or password"
	case u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "#"):
		return fmt.Sprintf("--public-url %q must not have a query or fragment: the console's pages are appended to it", raw)
	}
	return ""
}

// sender is the SMTP sender the flags describe.
func (c notifyConfig) sender() (*notify.SMTPSender, error) {
	cfg, err := notify.ParseSMTPURL(c.SMTPURL)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	s, err := notify.NewSMTPSender(cfg, c.MailFrom)
	if err != nil {
		return nil, fmt.Errorf("--mail-from: %w", err)
	}
	s.PublicURL = c.PublicURL
	return s, nil
}

// mailHealth is the background check of the configured mail server, or nil
// without --smtp-url.
func (c notifyConfig) mailHealth(log *slog.Logger) (*notify.MailHealth, error) {
	if c.SMTPURL == "" {
		return nil, nil
	}
	s, err := c.sender()
	if err != nil {
		return nil, err
	}
	return notify.NewMailHealth(s, c.SMTPCheck, log), nil
}

// mailComponent is the mail server's entry in /readyz.
func mailComponent(h *notify.MailHealth) func() map[string]api.Component {
	return func() map[string]api.Component {
		s := h.State()
		comp := api.Component{Status: s.Status, Since: &s.Since}
		switch s.Status {
		case notify.MailOK:
			comp.Detail = "the mail server accepted the last check's connection"
		case notify.MailUnreachable:
			comp.Detail = "the mail server did not accept the last check's connection (TCP, TLS or login); " +
				"e-mails stay queued in the outbox and are retried; the server log has the cause"
		default:
			comp.Detail = "the first check of the mail server has not finished"
		}
		if !s.CheckedAt.IsZero() {
			comp.CheckedAt = &s.CheckedAt
		}
		return map[string]api.Component{"mail": comp}
	}
}

// minSafeLease outlasts one delivery: the SMTP client's 30 s timeout, the
// webhook client's 10 s, with a margin.
const minSafeLease = time.Minute

// startNotifier runs the delivery worker, and the mail server's periodic
// check, until ctx ends; the returned channel closes when both have stopped.
func startNotifier(ctx context.Context, c notifyConfig, a *app, log *slog.Logger) (<-chan struct{}, error) {
	// The same worker sweeps for reminders (stages due soon or overdue,
	// expiring permits, delegations) every minute: docs/operations.md.
	w := &notify.Worker{Outbox: a.db, Scheduler: a.db, Log: log, Interval: c.Interval, Lease: c.Lease, Metrics: a.notifyMetrics,
		Webhook: notify.NewWebhookSender(a.db, c.WebhookAllowHTTP, c.WebhookAllowPrivate)}
	if c.Lease < minSafeLease {
		log.Warn("--notify-lease is shorter than one delivery may take: a mail in flight may be sent twice",
			"lease", c.Lease.String(), "advised_at_least", minSafeLease.String())
	}
	if c.WebhookAllowHTTP || c.WebhookAllowPrivate {
		log.Warn("webhooks may use http or reach private addresses: for tests and local setups only",
			"allow_http", c.WebhookAllowHTTP, "allow_private", c.WebhookAllowPrivate)
	}
	checked := make(chan struct{})
	if c.SMTPURL != "" {
		s, err := c.sender()
		if err != nil {
			return nil, err
		}
		s.Log = log
		w.Email = s
		log.Info("notifications by e-mail", "smtp", s.String(), "from", c.MailFrom, "public_url", c.PublicURL)
		if c.PublicURL == "" {
			log.Warn("no --public-url: notification e-mails give console paths, not links")
		}
		go func() { a.mailHealth.Run(ctx); close(checked) }()
	} else {
		log.Warn("no --smtp-url: notification e-mails stay in the outbox marked undeliverable")
		close(checked)
	}
	done := make(chan struct{})
	go func() { w.Run(ctx); <-checked; close(done) }()
	return done, nil
}
