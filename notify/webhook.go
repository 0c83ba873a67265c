package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"exaccess/domain"
)

// ErrUndeliverable marks a delivery that no retry can make: the webhook
// was revoked or is gone. The worker records the row undeliverable.
var ErrUndeliverable = errors.New("undeliverable")

// WebhookSender delivers notifications to webhooks as Standard Webhooks
// (https://www.standardwebhooks.com): a JSON body, and the headers
// webhook-id (the row's id, the same on every retry, for the receiver to
// drop repeats: deliveryID), webhook-timestamp (the attempt's Unix time)
// and webhook-signature ("v1," and the base64 of HMAC-SHA256 over
// "id.timestamp.body" with the secret's decoded bytes as the key).
type WebhookSender struct {
	// Webhooks gives each webhook's URL and secret at the moment of sending,
	// so that a revoked webhook gets nothing more.
	Webhooks domain.WebhookDirectory
	// AllowHTTP sends to http:// URLs too (tests and local setups).
	AllowHTTP bool
	// AllowPrivate lets deliveries reach loopback, private and link-local
	// addresses; without it a webhook cannot be used to reach into the
	// server's own network.
	AllowPrivate bool
	Now          func() time.Time
	client       *http.Client
}

// maxWebhookAnswer bounds how much of a receiver's answer is read.
const maxWebhookAnswer = 64 << 10

// NewWebhookSender returns a sender with its own HTTP client: timeouts on
// every step, no proxy from the environment, no redirects followed, and (unless
// allowPrivate) no connection to a non-public address.
func NewWebhookSender(dir domain.WebhookDirectory, allowHTTP, allowPrivate bool) *WebhookSender {
	s := &WebhookSender{Webhooks: dir, AllowHTTP: allowHTTP, AllowPrivate: allowPrivate, Now: time.Now}
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: s.checkAddress}
	transport := &http.Transport{Proxy: nil, DialContext: dialer.DialContext, TLSHandshakeTimeout: 5 * time.Second,
		ResponseHeaderTimeout: 8 * time.Second, MaxIdleConns: 10, IdleConnTimeout: 30 * time.Second, ForceAttemptHTTP2: true}
	// 10 s in all: a batch of 20 slow receivers stays well inside the
	// worker's 5-minute lease, so a slow receiver does not get its rows
	// claimed (and sent) a second time by another worker.
	s.client = &http.Client{Transport: transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return s
}

// checkAddress refuses, at connection time (after name resolution, so a
// name that resolves to an inner address is caught too), addresses that
// are not public (domain.PublicAddress: private, loopback, link-local,
// shared, benchmarking, reserved, documentation, and NAT64 or 6to4
// addresses that carry such an IPv4 address).
func (s *WebhookSender) checkAddress(_, address string, _ syscall.RawConn) error {
	if s.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%q is not an address the webhook sender can check", address)
	}
	if !domain.PublicAddress(ap.Addr()) {
		return fmt.Errorf("%s is not a public address (--webhook-allow-private allows it)", ap.Addr())
	}
	return nil
}

// WebhookPayload is the JSON body of a delivery: the kind of event, when
// it happened, and the row's own rendering of it — nothing the row does not
// hold.
type WebhookPayload struct {
	Type      string      `json:"type"`
	Timestamp string      `json:"timestamp"`
	Data      WebhookData `json:"data"`
}

// WebhookData is the data of a delivery.
type WebhookData struct {
	RequestID string `json:"request_id"`
	Subject   string `json:"subject"`
	Body      string `json:"body"`
}

// deliveryID is what a receiver is told identifies notification n, for it
// to drop a repeat delivery (the webhook-id, the mail's Message-ID and
// X-Exaccess-Idempotency-Key): the outbox row's own id, a UUIDv7, the same
// on every attempt. It is not the row's idempotency key, which starts with
// the index of the audit entry that caused the notification: an entry's
// index is its place in the whole audit log, and a liaison officer who
// read it off their notifications would count, by the gaps between two,
// every other nation's entries in between. A UUIDv7 orders by time but
// counts nothing. The key stays in the outbox, where its unique index
// keeps an event from being stored twice.
func deliveryID(n domain.Notification) string { return n.ID }

// SignWebhook is the Standard Webhooks signature of one delivery: "v1,"
// and base64(HMAC-SHA256(key, id "." timestamp "." body)), key being the
// bytes of the secret after "whsec_".
func SignWebhook(secret, id string, timestamp int64, body []byte) (string, error) {
	key, err := domain.WebhookKey(secret)
	if err != nil {
		return "", err
	}
	mac := hmac.New(sha256.New, key)
	fmt.Fprintf(mac, "%s.%d.", id, timestamp)
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Send delivers n to its webhook. A 2xx answer is a delivery; anything
// else (a redirect included) is an error the worker retries with back-off.
// A revoked or deleted webhook is ErrUndeliverable. Errors never carry the
// URL (it may hold a token of the receiver's) nor the secret.
func (s *WebhookSender) Send(ctx context.Context, n domain.Notification) error {
	if n.WebhookID == "" {
		return fmt.Errorf("%w: the row names no webhook", ErrUndeliverable)
	}
	hook, err := s.Webhooks.DeliveryWebhook(ctx, n.WebhookID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return fmt.Errorf("%w: the webhook no longer exists", ErrUndeliverable)
	} else if err != nil {
		return err
	}
	if !hook.Active() {
		return fmt.Errorf("%w: %s", ErrUndeliverable, domain.WebhookRevokedError)
	}
	u, err := url.Parse(hook.URL)
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && s.AllowHTTP)) {
		return fmt.Errorf("%w: the webhook's URL is not https (--webhook-allow-http allows http)", ErrUndeliverable)
	}
	body, err := json.Marshal(WebhookPayload{Type: n.Kind, Timestamp: n.CreatedAt.UTC().Format(time.RFC3339),
		Data: WebhookData{RequestID: n.RequestID, Subject: domain.FlattenStrayBreaks(n.Subject), Body: domain.FlattenStrayBreaks(n.Body)}})
	if err != nil {
		return err
	}
	ts := s.Now().Unix()
	id := deliveryID(n)
	sig, err := SignWebhook(hook.Secret, id, ts, body)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUndeliverable, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: the webhook's URL cannot be requested", ErrUndeliverable)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "exaccess-webhooks")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := s.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL
		}
		return fmt.Errorf("webhook: %v", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxWebhookAnswer)) // lets the connection be reused
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fmt.Errorf("webhook answered %d (redirects are not followed)", resp.StatusCode)
	default:
		return fmt.Errorf("webhook answered %d", resp.StatusCode)
	}
}
