package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"exaccess/notify"
)

// notifyConfig is how serve delivers the notification outbox.
type notifyConfig struct {
	SMTPURL  string // "" for none: e-mail rows are marked undeliverable
	MailFrom string
	Interval time.Duration // between polls of the outbox
	// WebhookAllowHTTP admits http:// webhook URLs and WebhookAllowPrivate
	// deliveries to loopback and private addresses: for tests and local
	// setups, never in production.
	WebhookAllowHTTP, WebhookAllowPrivate bool
}

func defaultNotify() notifyConfig {
	return notifyConfig{MailFrom: "exaccess@localhost", Interval: 5 * time.Second}
}

func notifyFlags(fs *flag.FlagSet, c *notifyConfig, getenv func(string) string, envErrs *[]string) {
	if v := getenv("EXACCESS_NOTIFY_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			*envErrs = append(*envErrs, "EXACCESS_NOTIFY_INTERVAL must be a duration like 5s")
		}
		c.Interval = d
	}
	fs.StringVar(&c.SMTPURL, "smtp-url", envOr(getenv, "EXACCESS_SMTP_URL", c.SMTPURL),
		"mail server for notifications: smtp://[user:pass@]host:port[?tls=required|opportunistic|none] or smtps://…; empty for none (EXACCESS_SMTP_URL)")
	fs.StringVar(&c.MailFrom, "mail-from", envOr(getenv, "EXACCESS_MAIL_FROM", c.MailFrom),
		"sender address of notification e-mails (EXACCESS_MAIL_FROM)")
	for _, b := range []struct {
		to        *bool
		flag, env string
		usage     string
	}{
		{&c.WebhookAllowHTTP, "webhook-allow-http", "EXACCESS_WEBHOOK_ALLOW_HTTP", "accept and deliver to http:// webhook URLs, not only https; for tests and local setups"},
		{&c.WebhookAllowPrivate, "webhook-allow-private", "EXACCESS_WEBHOOK_ALLOW_PRIVATE", "let webhook deliveries reach loopback, private and link-local addresses; for tests and local setups"},
	} {
		if v := getenv(b.env); v != "" {
			on, err := strconv.ParseBool(v)
			if err != nil {
				*envErrs = append(*envErrs, b.env+" must be true or false")
			}
			*b.to = on
		}
		fs.BoolVar(b.to, b.flag, *b.to, b.usage+" ("+b.env+")")
	}
	fs.DurationVar(&c.Interval, "notify-interval", c.Interval, "how often the outbox is polled for due notifications (EXACCESS_NOTIFY_INTERVAL)")
}

// validate parses the SMTP URL and sender once, so that a bad one stops the
// start instead of dropping mail later. Errors never show the password.
func (c notifyConfig) validate() []string {
	var errs []string
	if c.Interval < 10*time.Millisecond || c.Interval > time.Hour {
		errs = append(errs, "--notify-interval must be between 10ms and 1h")
	}
	if c.SMTPURL == "" {
		return errs
	}
	if _, err := c.sender(); err != nil {
		errs = append(errs, err.Error())
	}
	return errs
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
	return s, nil
}

// startNotifier runs the delivery worker until ctx ends; the returned
// channel closes when it has stopped.
func startNotifier(ctx context.Context, c notifyConfig, a *app, log *slog.Logger) (<-chan struct{}, error) {
	w := &notify.Worker{Outbox: a.db, Log: log, Interval: c.Interval, Metrics: a.notifyMetrics,
		Webhook: notify.NewWebhookSender(a.db, c.WebhookAllowHTTP, c.WebhookAllowPrivate)}
	if c.WebhookAllowHTTP || c.WebhookAllowPrivate {
		log.Warn("webhooks may use http or reach private addresses: for tests and local setups only",
			"allow_http", c.WebhookAllowHTTP, "allow_private", c.WebhookAllowPrivate)
	}
	if c.SMTPURL != "" {
		s, err := c.sender()
		if err != nil {
			return nil, err
		}
		w.Email = s
		log.Info("notifications by e-mail", "smtp", s.String(), "from", c.MailFrom)
		go checkSMTP(ctx, s, log)
	} else {
		log.Warn("no --smtp-url: notification e-mails stay in the outbox marked undeliverable")
	}
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	return done, nil
}

// checkSMTP tries the mail server once at start and logs the outcome: an
// unreachable server or a refused login is an error in the log at once,
// while the outbox keeps the mail and retries.
func checkSMTP(ctx context.Context, s *notify.SMTPSender, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := s.Check(ctx); err != nil {
		log.Error("mail server unreachable at start; notifications stay queued and are retried",
			"smtp", s.String(), "error", err.Error())
		return
	}
	log.Info("mail server reachable", "smtp", s.String())
}
