package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// hookInbox is a webhook receiver that keeps the deliveries whose
// Standard Webhooks signature verifies with the secret of their path.
type hookInbox struct {
	mu      sync.Mutex
	secrets map[string]string
	got     map[string][]string // path → event types
	ids     []string            // the webhook-id of each delivery
	bad     int
}

func (h *hookInbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	defer h.mu.Unlock()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.secrets[r.URL.Path], "whsec_"))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(r.Header.Get("webhook-id") + "." + r.Header.Get("webhook-timestamp") + "."))
	mac.Write(body)
	if err != nil || r.Header.Get("webhook-signature") != "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)) {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var m struct{ Type string }
	json.Unmarshal(body, &m)
	h.got[r.URL.Path] = append(h.got[r.URL.Path], m.Type)
	h.ids = append(h.ids, r.Header.Get("webhook-id"))
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookInbox) waitFor(t *testing.T, path string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h.mu.Lock()
		got := append([]string(nil), h.got[path]...)
		h.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			if len(got) != n {
				t.Fatalf("%s received %v, want %d deliveries", path, got, n)
			}
			return got
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestNotificationJourneyByWebhook runs the real server with
// --webhook-allow-http and --webhook-allow-private (the receiver is on
// loopback): a role's webhook and a liaison officer's own webhook receive
// signed deliveries of a submission and its decision.
func TestNotificationJourneyByWebhook(t *testing.T) {
	inbox := &hookInbox{secrets: map[string]string{}, got: map[string][]string{}}
	recv := httptest.NewServer(inbox)
	defer recv.Close()
	base, stop := startServer(t, []string{"--demo", "--db", filepath.Join(t.TempDir(), "w.db"), "--notify-interval", "50ms",
		"--webhook-allow-http", "--webhook-allow-private"}, nil)
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	lo, admin := signIn(t, base, "lo-no"), signIn(t, base, "admin")
	register := func(token, path, body, hook string) {
		w := call(t, "POST", base+path, token, body)
		inbox.mu.Lock()
		inbox.secrets[hook] = w["secret"].(string)
		inbox.mu.Unlock()
	}
	register(admin, "/api/v1/webhooks", `{"url":"`+recv.URL+`/hns","role":"hns_officer"}`, "/hns")
	register(lo, "/api/v1/me/webhooks", `{"url":"`+recv.URL+`/lo-no"}`, "/lo-no")

	id := call(t, "POST", base+"/api/v1/requests", lo, requestBody("Cold Response", 10, ""))["id"].(string)
	call(t, "POST", base+"/api/v1/requests/"+id+"/submit", lo, "", "If-Match", `"1"`)
	inbox.waitFor(t, "/lo-no", 1)
	if role := decideActive(t, base, id, "reject", "The period overlaps a national exercise."); role != "hns_officer" {
		t.Fatalf("the first stage was %s's, want hns_officer's", role)
	}
	if got := inbox.waitFor(t, "/lo-no", 2); got[0] != "request.submitted" || got[1] != "request.rejected" {
		t.Fatalf("the officer's webhook received %v", got)
	}
	if got := inbox.waitFor(t, "/hns", 1); got[0] != "stage.active" {
		t.Fatalf("the role's webhook received %v", got)
	}
	inbox.mu.Lock()
	defer inbox.mu.Unlock()
	if inbox.bad != 0 {
		t.Fatalf("%d deliveries with a bad signature", inbox.bad)
	}
	// Each delivery is named by its outbox row's id, a UUIDv7, and not by
	// anything holding an audit entry's index (docs/security.md).
	for _, id := range inbox.ids {
		if u, err := uuid.Parse(id); err != nil || u.Version() != 7 {
			t.Errorf("webhook-id %q is not a notification's UUIDv7 (%v)", id, err)
		}
	}
}
