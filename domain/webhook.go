package domain

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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

// WebhookURLPolicy is what a server admits as a webhook's URL beyond the
// public https ones: http URLs (--webhook-allow-http) and hosts that are
// non-public IP addresses (--webhook-allow-private), for tests and local
// setups.
type WebhookURLPolicy struct {
	AllowHTTP, AllowPrivate bool
	// ASCIIHost converts a host that is not all ASCII to the ASCII form
	// the sender connects to (notify.WebhookASCIIHost: IDNA's lookup
	// profile, as Go's HTTP client converts it), or fails when it has
	// none; the checks read that form. The domain takes it from outside
	// as it imports only the standard library. Without it, a host not in
	// ASCII is refused: it could not be checked.
	ASCIIHost func(host string) (string, error)
}

// ValidateWebhookURL checks a webhook's address: an absolute https URL
// (or http when the policy allows it) with a host that is a DNS name, a
// canonical dotted-quad IPv4 address or a bracketed IPv6 address
// (webhookHostProblem), without credentials, a
// fragment, white space or control characters, with a port (if any) from 1
// to 65535, at most MaxWebhookURL long; a host that is an IP address must
// be a public one (PublicAddress) unless the policy allows private ones,
// since the sender would refuse to connect to it (a name is checked when
// the sender connects, after resolution). The error names the field.
func ValidateWebhookURL(raw string, p WebhookURLPolicy) error {
	bad := func(msg string) error {
		return &Error{Code: CodeInvalid, Message: "the webhook has invalid fields", Fields: []FieldError{{Field: "url", Message: msg}}}
	}
	if raw == "" {
		return bad("required")
	}
	if len(raw) > MaxWebhookURL {
		return bad("at most 2000 characters")
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return bad("must not contain white space or control characters (percent-encode them)")
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs() || u.Opaque != "":
		return bad("not an absolute URL like https://hooks.example.org/exaccess")
	case u.Scheme == "http" && !p.AllowHTTP:
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
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("has port " + port + ": a port is from 1 to 65535")
		}
	}
	// The checks below read the host as the sender connects to it: an
	// internationalised name in its ASCII form (webhookASCIIHost), so that
	// "１２７.０.０.１" is read as the 127.0.0.1 it is.
	bracketed := strings.HasPrefix(u.Host, "[") // an IPv6 address, not converted
	ascii, err := u.Hostname(), error(nil)
	if !bracketed {
		ascii, err = webhookASCIIHost(ascii, p.ASCIIHost)
	}
	if err != nil {
		return bad("has host " + u.Hostname() + ", which is not a valid internationalised domain name")
	}
	if msg := webhookHostProblem(ascii, bracketed); msg != "" {
		return bad(msg)
	}
	if p.AllowPrivate {
		return nil
	}
	host := strings.ToLower(strings.TrimSuffix(ascii, "."))
	if a, err := netip.ParseAddr(host); (err == nil && !PublicAddress(a)) || host == "localhost" || strings.HasSuffix(host, ".localhost") {
		named := host
		if ascii != u.Hostname() {
			named = u.Hostname() + " (" + host + ")"
		}
		return bad("names " + named + ", which is not a public address: deliveries go only to public addresses")
	}
	return nil
}

// webhookASCIIHost is the host a webhook's deliveries connect to: an
// all-ASCII host as it is; any other as convert gives it (the policy's
// ASCIIHost), which maps full-width and other compatibility characters to
// the ASCII ones they stand for ("ｌｏｃａｌｈｏｓｔ" is localhost,
// "１２７.０.０.１" is 127.0.0.1) and writes an internationalised name as
// "xn--" labels ("bücher.example" is xn--bcher-kva.example). A host that
// has no such form is an error: the client would connect to it as it is,
// which no resolver knows. The URL is stored as it was given; only its
// checks read the ASCII form.
func webhookASCIIHost(host string, convert func(string) (string, error)) (string, error) {
	if !strings.ContainsFunc(host, func(r rune) bool { return r >= utf8.RuneSelf }) {
		return host, nil
	}
	if convert == nil {
		return "", errors.New("no conversion of internationalised host names")
	}
	return convert(host)
}

// webhookHostProblem says what is wrong with a webhook URL's host (in its
// ASCII form, webhookASCIIHost; bracketed: written in brackets), "" when
// nothing is: it must be a DNS name (labels of letters, digits, '-' and
// '_', none empty, at most 63 characters each and 253 in all, a trailing
// dot allowed, the last label not a number), a canonical dotted-quad IPv4
// address (four decimal numbers 0-255 without leading zeros), or an IPv6
// address in brackets without a zone. A name whose last label is a number
// (all digits, or 0x and hex digits) is an IPv4 address to a URL parser, in
// one of the spellings some resolvers accept — 2130706433, 0x7f000001,
// 127.1, 0177.0.0.1 — which would hide which address it is: refused, as the
// WHATWG URL standard reads such a name as an address and its canonical
// dotted-quad is what should be written.
func webhookHostProblem(host string, bracketed bool) string {
	if bracketed {
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return "has host [" + host + "], which is not an IPv6 address without a zone"
		}
		return ""
	}
	name := strings.TrimSuffix(host, ".")
	labels := strings.Split(name, ".")
	if last := labels[len(labels)-1]; numericLabel(last) {
		if a, err := netip.ParseAddr(name); err != nil || !a.Is4() {
			return "has host " + host + ", a number that is not an IPv4 address in canonical dotted-quad form like 192.0.2.10 (no hex, octal, leading zeros or fewer than four parts)"
		}
		return ""
	}
	if len(name) > 253 {
		return "has a host name longer than 253 characters"
	}
	for _, l := range labels {
		if !validHostLabel(l) {
			return "has host " + host + ", which is not a DNS name (labels of letters, digits, '-' and '_', separated by dots)"
		}
	}
	return ""
}

// numericLabel reports whether a host's label is a number to a URL parser:
// all decimal digits, or 0x (0X) followed by hex digits only.
func numericLabel(l string) bool {
	if l == "" {
		return false
	}
	if len(l) >= 2 && (l[:2] == "0x" || l[:2] == "0X") {
		return !strings.ContainsFunc(l[2:], func(r rune) bool { return !strings.ContainsRune("0123456789abcdefABCDEF", r) })
	}
	return !strings.ContainsFunc(l, func(r rune) bool { return r < '0' || r > '9' })
}

// validHostLabel: 1-63 bytes of letters, digits, '-' or '_', not starting
// or ending with '-' (an internationalised name is checked in its ASCII
// form, "xn--" labels).
func validHostLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	return !strings.ContainsFunc(l, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) || r == '-' || r == '_')
	})
}

// ValidateWebhookRole checks the role of a role webhook: one of the
// approver roles, the only roles whose events (stages becoming active) go
// to a role.
func ValidateWebhookRole(r Role) error {
	if !r.IsApprover() {
		return &Error{Code: CodeInvalid, Message: "the webhook has invalid fields",
			Fields: []FieldError{{Field: "role", Message: "must be an approver role: " + joinRoles(ApproverRoles())}}}
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

// WebhookURLForAudit is the URL as the audit log records it: its origin
// (scheme://host[:port]) and the SHA-256 fingerprint of the whole URL, as
// "https://hooks.example.org sha256:<64 hex digits>". The path and the
// query are left out: Slack, Discord and Teams put the receiver's
// credentials in the path, others in the query, and the audit log is
// append-only. The fingerprint tells which URL it was to whoever holds it.
func WebhookURLForAudit(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	fp := "sha256:" + hex.EncodeToString(sum[:])
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return fp
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host}).String() + " " + fp
}
