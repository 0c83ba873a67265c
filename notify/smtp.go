package notify

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"exaccess/domain"
)

// SMTPConfig is a parsed --smtp-url: where the mail server is and how to
// talk to it.
type SMTPConfig struct {
	Host     string
	Port     int
	Implicit bool // smtps://: TLS from the first byte
	// TLS is the STARTTLS policy of smtp://: "required", "opportunistic"
	// or "none".
	TLS                string
	Username, Password string
}

// ParseSMTPURL reads smtp://[user:pass@]host[:port][?tls=required|opportunistic|none]
// or smtps://[user:pass@]host[:port]. Without ?tls, smtp:// requires
// STARTTLS when credentials are given (they never cross the wire in clear)
// and uses it when offered otherwise. Errors name the problem, never the
// password.
func ParseSMTPURL(raw string) (SMTPConfig, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return SMTPConfig{}, fmt.Errorf("smtp url: not a URL like smtp://host:587")
	}
	var c SMTPConfig
	switch u.Scheme {
	case "smtp":
		c.Port = 587
	case "smtps":
		c.Port, c.Implicit = 465, true
	default:
		return SMTPConfig{}, fmt.Errorf("smtp url: scheme must be smtp or smtps, not %q", u.Scheme)
	}
	if c.Host = u.Hostname(); c.Host == "" {
		return SMTPConfig{}, fmt.Errorf("smtp url: no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return SMTPConfig{}, fmt.Errorf("smtp url: port %q is not a port number", p)
		}
		c.Port = n
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	c.TLS = u.Query().Get("tls")
	switch {
	case c.TLS == "" && c.Username != "":
		c.TLS = "required"
	case c.TLS == "":
		c.TLS = "opportunistic"
	case c.TLS != "required" && c.TLS != "opportunistic" && c.TLS != "none":
		return SMTPConfig{}, fmt.Errorf("smtp url: tls must be required, opportunistic or none, not %q", c.TLS)
	}
	if c.Implicit && u.Query().Has("tls") {
		return SMTPConfig{}, fmt.Errorf("smtp url: tls applies to smtp://; smtps:// is always TLS")
	}
	return c, nil
}

// SMTPSender sends notification e-mails through one mail server.
type SMTPSender struct {
	cfg  SMTPConfig
	from string
	// PublicURL is the console's address as users reach it (--public-url);
	// the mails' links are made absolute under it. "" leaves them paths.
	PublicURL string
	// Log records a connection that failed after the server had accepted
	// the mail (nil: not recorded).
	Log *slog.Logger
}

// NewSMTPSender checks the sender address and returns a sender.
func NewSMTPSender(cfg SMTPConfig, from string) (*SMTPSender, error) {
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, fmt.Errorf("mail from: %q is not an e-mail address", from)
	}
	return &SMTPSender{cfg: cfg, from: from}, nil
}

// String names the server and TLS mode, never the credentials, for logs.
func (s *SMTPSender) String() string {
	mode := "smtps"
	if !s.cfg.Implicit {
		mode = "smtp tls=" + s.cfg.TLS
	}
	return fmt.Sprintf("%s %s:%d", mode, s.cfg.Host, s.cfg.Port)
}

func (s *SMTPSender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(30 * time.Second)}
	switch {
	case s.cfg.Implicit:
		opts = append(opts, gomail.WithSSL())
	case s.cfg.TLS == "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	case s.cfg.TLS == "opportunistic":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if s.cfg.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}

// Send delivers one notification as a plain-text mail with an HTML
// alternative, its console links absolute under PublicURL. Its Message-ID
// is made from the row's id (deliveryID), and the id itself is in the
// X-Exaccess-Idempotency-Key header, so a repeated delivery carries the
// same id for the receiver to drop; neither tells an audit index.
func (s *SMTPSender) Send(ctx context.Context, n domain.Notification) error {
	m := gomail.NewMsg()
	if err := m.From(s.from); err != nil {
		return fmt.Errorf("mail from: %w", err)
	}
	if err := m.To(n.Address); err != nil {
		return fmt.Errorf("mail to: %w", err)
	}
	m.Subject(domain.FlattenStrayBreaks(n.Subject))
	m.SetMessageIDWithValue(deliveryID(n) + "@exaccess")
	m.SetGenHeader(gomail.Header("X-Exaccess-Idempotency-Key"), deliveryID(n))
	m.SetDate()
	body := domain.NotificationLinks(domain.FlattenStrayBreaks(n.Body), s.PublicURL)
	m.SetBodyString(gomail.TypeTextPlain, body)
	m.AddAlternativeString(gomail.TypeTextHTML, htmlBody(body))
	c, err := s.client()
	if err != nil {
		return err
	}
	err = c.DialAndSendWithContext(ctx, m)
	if err != nil && m.IsDelivered() {
		// The server accepted the mail (250 after DATA) and only the RSET or
		// QUIT after it failed (a dropped connection, a server that hangs up
		// at QUIT): the mail went out, and failing the attempt would send it
		// again at every retry. The error names the server's reply, never
		// the credentials.
		if s.Log != nil {
			s.Log.Warn("mail server connection failed after it accepted the mail",
				"id", deliveryID(n), "server", s.String(), "err", err)
		}
		return nil
	}
	return err
}

// Check connects to the mail server (TLS and authentication included) and
// hangs up, so that a wrong host, port, TLS mode or password is reported at
// start instead of at the first notification.
func (s *SMTPSender) Check(ctx context.Context) error {
	c, err := s.client()
	if err != nil {
		return err
	}
	if err := c.DialWithContext(ctx); err != nil {
		return err
	}
	return c.Close()
}

// htmlBody is the plain-text body as HTML paragraphs, every character of
// it escaped. Only the service's own link lines (domain.NotificationLink)
// whose target is an absolute http(s) URL become links; text that people
// wrote is indented in the body and so never matches one.
func htmlBody(text string) string {
	var b strings.Builder
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"></head><body>`)
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		lines := strings.Split(para, "\n")
		for i, line := range lines {
			lines[i] = htmlLine(line)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>") + "</p>")
	}
	b.WriteString("</body></html>")
	return b.String()
}

func htmlLine(line string) string {
	label, target, ok := domain.NotificationLink(line)
	if !ok {
		return html.EscapeString(line)
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return html.EscapeString(line)
	}
	t := html.EscapeString(u.String())
	return html.EscapeString(label) + `: <a href="` + t + `">` + t + "</a>"
}
