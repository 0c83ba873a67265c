package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
)

// TestSignWebhookMatchesTheReferenceVector: the signature of the Standard
// Webhooks reference implementations' test vector (svix-webhooks,
// TestWebhookSign).
func TestSignWebhookMatchesTheReferenceVector(t *testing.T) {
	got, err := notify.SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		1614265330, []byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("signature %q, %v", got, err)
	}
	if _, err := notify.SignWebhook("whsec_not base64!", "id", 1, nil); err == nil {
		t.Fatal("a secret that is not base64 was accepted")
	}
}

// directory is a domain.WebhookDirectory in memory.
type directory map[string]*domain.Webhook

func (d directory) DeliveryWebhook(_ context.Context, id string) (*domain.Webhook, error) {
	if w, ok := d[id]; ok {
		return w, nil
	}
	return nil, domain.ErrNotFound("webhook")
}

// receiver records what reaches it and answers with status.
type receiver struct {
	mu      sync.Mutex
	status  int
	headers []http.Header
	bodies  [][]byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.headers, r.bodies = append(r.headers, req.Header.Clone()), append(r.bodies, b)
	status := r.status
	r.mu.Unlock()
	if status == http.StatusFound {
		http.Redirect(w, req, "/elsewhere", status)
		return
	}
	w.WriteHeader(status)
	w.Write([]byte(strings.Repeat("x", 1<<20))) // a long answer is read only in part
}

func TestWebhookSenderDelivers(t *testing.T) {
	rec := &receiver{status: http.StatusNoContent}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	secret, _ := domain.NewWebhookSecret()
	dir := directory{"w1": {ID: "w1", URL: srv.URL + "/hook", Secret: secret}}
	s := notify.NewWebhookSender(dir, true, true)
	s.Now = func() time.Time { return t0.Add(time.Minute) }
	n := domain.Notification{ID: "n1", Key: "ev1:u1:webhook:w1", Kind: domain.NotifyApproved, WebhookID: "w1",
		Channel: domain.ChannelWebhook, RequestID: "r1", Subject: "Request SE-1 approved", Body: "b", CreatedAt: t0}
	if err := s.Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	h, body := rec.headers[0], rec.bodies[0]
	if h.Get("webhook-id") != n.ID || h.Get("webhook-timestamp") != "1770112860" || h.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", h)
	}
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(n.ID + ".1770112860." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); h.Get("webhook-signature") != want {
		t.Fatalf("signature %q, want %q", h.Get("webhook-signature"), want)
	}
	var p map[string]any
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	data, _ := p["data"].(map[string]any)
	if p["type"] != domain.NotifyApproved || p["timestamp"] != "2026-02-03T10:00:00Z" || data["request_id"] != "r1" ||
		data["subject"] != n.Subject || data["body"] != "b" || len(data) != 3 || len(p) != 3 {
		t.Fatalf("payload %s", body)
	}
}

func TestWebhookSenderRefusals(t *testing.T) {
	rec := &receiver{status: http.StatusOK}
	srv := httptest.NewServer(rec)
	defer srv.Close()
	secret, _ := domain.NewWebhookSecret()
	revoked := t0
	dir := directory{
		"ok":      {ID: "ok", URL: srv.URL, Secret: secret},
		"revoked": {ID: "revoked", URL: srv.URL, Secret: secret, RevokedAt: &revoked},
	}
	n := func(hook string) domain.Notification {
		return domain.Notification{Key: "k:" + hook, WebhookID: hook, Channel: domain.ChannelWebhook, CreatedAt: t0}
	}
	ctx := context.Background()
	cases := []struct {
		name               string
		hook               string
		allowHTTP, private bool
		status             int
		undeliverable      bool
	}{
		{"revoked", "revoked", true, true, http.StatusOK, true},
		{"deleted", "gone", true, true, http.StatusOK, true},
		{"http not allowed", "ok", false, true, http.StatusOK, true},
		{"private address", "ok", true, false, http.StatusOK, false},
		{"server error", "ok", true, true, http.StatusInternalServerError, false},
		{"gone", "ok", true, true, http.StatusGone, false},
		{"redirect not followed", "ok", true, true, http.StatusFound, false},
	}
	for _, c := range cases {
		rec.mu.Lock()
		rec.status, rec.headers = c.status, nil
		rec.mu.Unlock()
		err := notify.NewWebhookSender(dir, c.allowHTTP, c.private).Send(ctx, n(c.hook))
		if err == nil || errors.Is(err, notify.ErrUndeliverable) != c.undeliverable {
			t.Errorf("%s: %v, want an error, undeliverable %v", c.name, err, c.undeliverable)
		}
		if err != nil && strings.Contains(err.Error(), srv.URL) {
			t.Errorf("%s: the error %q names the URL", c.name, err)
		}
		if c.status == http.StatusFound && len(rec.headers) != 1 {
			t.Errorf("redirect: %d requests, want 1 (not followed)", len(rec.headers))
		}
	}
}

// TestWorkerDispatchesWebhookRows: a webhook row is sent by
// the worker's webhook sender; one whose webhook is revoked is not retried.
func TestWorkerDispatchesWebhookRows(t *testing.T) {
	out := &memOutbox{rows: []domain.Notification{
		{ID: "a", Key: "a", Channel: domain.ChannelWebhook, WebhookID: "ok"},
		{ID: "b", Key: "b", Channel: domain.ChannelWebhook, WebhookID: "revoked"},
		{ID: "c", Key: "c", Channel: domain.ChannelWebhook, WebhookID: "failing"},
	}}
	send := senderFunc(func(_ context.Context, n domain.Notification) error {
		switch n.WebhookID {
		case "revoked":
			return errors.Join(notify.ErrUndeliverable, errors.New("revoked"))
		case "failing":
			return errors.New("webhook answered 503")
		}
		return nil
	})
	w := &notify.Worker{Outbox: out, Webhook: send, Now: func() time.Time { return t0 }}
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": domain.DeliverySent, "b": domain.DeliveryUndeliverable, "c": domain.DeliveryQueued}
	for id, st := range want {
		if out.status[id] != st {
			t.Errorf("row %s: %s, want %s", id, out.status[id], st)
		}
	}
	// Without a webhook sender, webhook rows are undeliverable.
	out = &memOutbox{rows: []domain.Notification{{ID: "a", Channel: domain.ChannelWebhook, WebhookID: "ok"}}}
	w = &notify.Worker{Outbox: out, Now: func() time.Time { return t0 }}
	if _, err := w.RunOnce(context.Background()); err != nil || out.status["a"] != domain.DeliveryUndeliverable {
		t.Fatalf("without a sender: %v, %v", out.status, err)
	}
}

type senderFunc func(context.Context, domain.Notification) error

func (f senderFunc) Send(ctx context.Context, n domain.Notification) error { return f(ctx, n) }

// memOutbox hands out its rows once and records outcomes.
type memOutbox struct {
	rows   []domain.Notification
	status map[string]string
}

func (m *memOutbox) ClaimNotifications(context.Context, time.Time, int, time.Duration, domain.ClaimScope) ([]domain.Notification, error) {
	rows := m.rows
	m.rows = nil
	for i := range rows {
		rows[i].Attempts++
	}
	return rows, nil
}

func (m *memOutbox) FinishNotification(_ context.Context, id, status, _ string, _, _ time.Time) error {
	if m.status == nil {
		m.status = map[string]string{}
	}
	m.status[id] = status
	return nil
}

// TestWebhookSenderRefusesSpecialAddresses: the sender refuses to connect
// to an address that is not public, whichever way it is written — the
// check runs before the connection is made, so nothing leaves the host.
func TestWebhookSenderRefusesSpecialAddresses(t *testing.T) {
	secret, _ := domain.NewWebhookSecret()
	for _, host := range []string{"100.100.100.200", "100.64.0.1", "198.18.0.1", "192.0.0.8", "240.0.0.1",
		"255.255.255.255", "0.0.0.0", "203.0.113.5", "[64:ff9b::a9fe:a9fe]", "[2002:7f00:1::1]", "[::7f00:1]",
		"[::ffff:127.0.0.1]", "[2001:db8::1]", "127.0.0.1", "[::1]", "169.254.169.254"} {
		dir := directory{"h": {ID: "h", URL: "https://" + host + ":9/hook", Secret: secret}}
		err := notify.NewWebhookSender(dir, false, false).Send(context.Background(),
			domain.Notification{Key: "k", WebhookID: "h", Channel: domain.ChannelWebhook, CreatedAt: t0})
		if err == nil || !strings.Contains(err.Error(), "is not a public address") {
			t.Errorf("%s: %v, want the address refused", host, err)
		}
	}
}
