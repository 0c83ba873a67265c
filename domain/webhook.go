package domain

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook is an HTTP endpoint that receives notifications signed as
// Standard Webhooks (https://www.standardwebhooks.com). It belongs either
// to one account (UserID: that account's own notifications) or to an
// approver role (Role: the "stage active" events of that role); exactly
// one of the two is set.
type Webhook struct {
	ID        string
	UserID    string // the owning account's id, or ""
	Username  string // the owning account's username (read, not stored)
	Role      Role   // the role whose stages it hears of, or ""
	URL       string
	Secret    string // "whsec_" + base64 of 32 random bytes; set only on creation and for delivery
	CreatedBy string
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Active reports whether deliveries still go to w.
func (w Webhook) Active() bool { return w.RevokedAt == nil }

// WebhookSecretPrefix starts every signing secret, as Standard Webhooks
// recommends, so that a leaked secret is recognisable.
const WebhookSecretPrefix = "whsec_"

// Limits of webhooks: how long a URL may be, and how many active webhooks
// one account or one role may have.
const (
	MaxWebhookURL    = 2000
	MaxWebhooksPerID = 10
)

// NewWebhookSecret returns a fresh signing secret: "whsec_" and the
// standard base64 of 32 random bytes (the key of HMAC-SHA256).
func NewWebhookSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return WebhookSecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// WebhookKey is the HMAC key of a secret: the bytes its base64 part
// encodes.
func WebhookKey(secret string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, WebhookSecretPrefix))
	if err != nil || len(b) == 0 {
		return nil, Errorf(CodeInternal, "a webhook secret is not %s followed by base64", WebhookSecretPrefix)
	}
	return b, nil
}

// ValidateWebhookURL checks a webhook's address: an absolute https URL (or
// http when allowHTTP, for tests and local setups) with a host, without
// credentials or a fragment, at most MaxWebhookURL long. The error names
// the field.
func ValidateWebhookURL(raw string, allowHTTP bool) error {
	bad := func(msg string) error {
		return &Error{Code: CodeInvalid, Message: "the webhook has invalid fields", Fields: []FieldError{{Field: "url", Message: msg}}}
	}
	if raw == "" {
		return bad("required")
	}
	if len(raw) > MaxWebhookURL {
		return bad("at most 2000 characters")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		return bad("not an absolute URL like https://hooks.example.org/exaccess")
	case u.Scheme == "http" && !allowHTTP:
		return bad("must be https (this server does not allow http webhooks)")
	case u.Scheme != "https" && u.Scheme != "http":
		return bad("must be https")
	case u.Hostname() == "":
		return bad("has no host")
	case u.User != nil:
		return bad("must not carry a user name or password: the signature authenticates deliveries")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return bad("must not have a fragment (#…)")
	}
	return nil
}

// ValidateWebhookRole checks the role of a role webhook: one of the
// approver roles, the only roles whose events (stages becoming active) go
// to a role.
func ValidateWebhookRole(r Role) error {
	if !slices.Contains(ApproverRoles, r) {
		return &Error{Code: CodeInvalid, Message: "the webhook has invalid fields",
			Fields: []FieldError{{Field: "role", Message: "must be an approver role: " + joinRoles(ApproverRoles)}}}
	}
	return nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// WebhookURLForAudit is the URL as the audit log records it: without its
// query, which some receivers use for a token of their own.
func WebhookURLForAudit(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.RawQuery, u.ForceQuery = "", false
	return u.String()
}
