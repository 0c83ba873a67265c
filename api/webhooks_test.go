package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
)

func TestNotificationSettingsAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const path = "/api/v1/me/notification-settings"
		get := e.do("lo-no", http.MethodGet, path, nil)
		want(t, get, 200)
		cells := get.JSON(t)["settings"].([]any)
		if n := len(domain.NotificationKindsFor([]domain.Role{domain.RoleLiaison})) * 3; len(cells) != n {
			t.Fatalf("%d cells, want every kind that reaches a liaison officer × email, webhook, inbox (%d): %s", len(cells), n, get.Body)
		}
		for _, c := range cells {
			if c.(map[string]any)["enabled"] != true {
				t.Fatalf("a cell is off by default: %v", c)
			}
		}
		cell := func(kind, channel string, on any) map[string]any {
			return map[string]any{"kind": kind, "channel": channel, "enabled": on}
		}
		body := func(cs ...map[string]any) map[string]any {
			return map[string]any{"settings": append([]map[string]any{}, cs...)}
		}
		wantProblem(t, e.do("lo-no", http.MethodPut, path, body(cell("request.teleported", "email", false))), 422, "invalid", "settings[0].kind")
		wantProblem(t, e.do("lo-no", http.MethodPut, path, body(cell("request.approved", "pigeon", false))), 422, "invalid", "settings[0].channel")
		// A missing enabled is named alone: its kind and channel are valid.
		noEnabled := e.do("lo-no", http.MethodPut, path, map[string]any{"settings": []any{map[string]any{"kind": "request.approved", "channel": "email"}}})
		wantProblem(t, noEnabled, 422, "invalid", "settings[0].enabled")
		if errs := noEnabled.JSON(t)["errors"].([]any); len(errs) != 1 {
			t.Fatalf("a missing enabled: %s, want the one error on settings[0].enabled", noEnabled.Body)
		}
		wantProblem(t, e.do("lo-no", http.MethodPut, path, body(cell("request.approved", "email", false), cell("request.approved", "email", true))),
			422, "invalid", "settings[1]")
		wantProblem(t, e.do("lo-no", http.MethodPut, path, map[string]any{}), 422, "invalid", "settings")
		// More entries than the grid has cells: 422 naming settings.
		var tooMany []map[string]any
		for _, k := range domain.NotificationKinds {
			for _, ch := range domain.NotificationChannels {
				tooMany = append(tooMany, cell(k, ch, true))
			}
		}
		// Every cell once is fine: those of the kinds that cannot reach a
		// liaison officer are listed as they are stored (on).
		want(t, e.do("lo-no", http.MethodPut, path, body(tooMany...)), http.StatusOK)
		tooMany = append(tooMany, cell(domain.NotifyApproved, domain.ChannelEmail, true))
		wantProblem(t, e.do("lo-no", http.MethodPut, path, body(tooMany...)), 422, "invalid", "settings")
		if mi := e.spec.Components.Schemas["NotificationSettings"].Value.Properties["settings"].Value.MaxItems; mi == nil || *mi != uint64(len(tooMany)-1) {
			t.Errorf("docs/openapi.yaml: NotificationSettings.settings maxItems %v, want %d (kinds × channels)", mi, len(tooMany)-1)
		}

		put := e.do("lo-no", http.MethodPut, path, body(cell("request.submitted", "email", false), cell("request.approved", "webhook", true)))
		want(t, put, 200)
		after := e.do("lo-no", http.MethodGet, path, nil)
		want(t, after, 200)
		off := 0
		for _, c := range after.JSON(t)["settings"].([]any) {
			m := c.(map[string]any)
			if m["enabled"] == false {
				off++
				if m["kind"] != "request.submitted" || m["channel"] != "email" {
					t.Errorf("off: %v", m)
				}
			}
		}
		if off != 1 || string(put.Body) != string(after.Body) {
			t.Fatalf("after PUT: %s\nGET: %s", put.Body, after.Body)
		}
		// Another user's settings are their own.
		other := e.do("lo-no2", http.MethodGet, path, nil)
		if strings.Contains(string(other.Body), "false") {
			t.Fatalf("lo-no2 sees lo-no's settings: %s", other.Body)
		}
		// PUT replaces: a cell not listed is on again.
		want(t, e.do("lo-no", http.MethodPut, path, body()), 200)
		if strings.Contains(string(e.do("lo-no", http.MethodGet, path, nil).Body), "false") {
			t.Fatal("an empty PUT left a cell off")
		}
		// Each change is in the audit log (the every-cell PUT above changed
		// nothing and the refused ones nothing either): turned off, turned on.
		entries, err := e.db.ListAudit(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		var changes []string
		for _, en := range entries {
			if en.Action == domain.AuditNotificationSettingsUpdated && en.Actor == "lo-no" {
				changes = append(changes, fmt.Sprint(en.Data["turned_off"], en.Data["turned_on"]))
			}
		}
		if want := "[map[channel:email kind:request.submitted]] []; [] [map[channel:email kind:request.submitted]]"; strings.Join(changes, "; ") != want {
			t.Errorf("lo-no's settings changes in the audit log: %v, want %s", changes, want)
		}
	})
}

// TestNotificationSettingsReachableKinds: the API offers what the
// console's settings page does, the kinds that can reach the caller's
// roles: a liaison officer's of their nation's requests, an approver's of
// stages and delegations, none for an auditor. A PUT that would change a
// kind that cannot reach the caller is 422 naming the entry's kind and
// stores nothing; listing one with the value it has is accepted and
// changes nothing. An opt-out stored for such a kind (under roles held
// before) is not shown, and stays through every PUT, as through the
// console's page.
func TestNotificationSettingsReachableKinds(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const path = "/api/v1/me/notification-settings"
		kinds := func(r resp) []string {
			t.Helper()
			var out []string
			for _, c := range r.JSON(t)["settings"].([]any) {
				if k := c.(map[string]any)["kind"].(string); !slices.Contains(out, k) {
					out = append(out, k)
				}
			}
			return out
		}
		for who, roles := range map[string][]domain.Role{"lo-no": {domain.RoleLiaison}, "hns": {domain.RoleHNS}, "auditor": {domain.RoleAuditor}} {
			r := e.do(who, http.MethodGet, path, nil)
			want(t, r, 200)
			if got, want := kinds(r), domain.NotificationKindsFor(roles); !slices.Equal(got, want) {
				t.Errorf("%s's kinds: %v, want %v", who, got, want)
			}
		}
		if got := kinds(e.do("lo-no", http.MethodGet, path, nil)); slices.Contains(got, domain.NotifyStageActive) || !slices.Contains(got, domain.NotifyApproved) {
			t.Errorf("lo-no's kinds: %v", got)
		}
		if r := e.do("auditor", http.MethodGet, path, nil); string(r.Body) != `{"settings":[]}`+"\n" && string(r.Body) != `{"settings":[]}` {
			t.Errorf("the auditor's settings: %s, want an empty list", r.Body)
		}

		cell := func(kind, channel string, on bool) map[string]any {
			return map[string]any{"kind": kind, "channel": channel, "enabled": on}
		}
		body := func(cs ...map[string]any) map[string]any {
			return map[string]any{"settings": append([]map[string]any{}, cs...)}
		}
		u, err := e.db.GetUserByUsername(ctx, "lo-no")
		if err != nil {
			t.Fatal(err)
		}
		stored := func() string {
			t.Helper()
			off, err := e.db.NotificationOptOuts(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, o := range off {
				out = append(out, o.Kind+"/"+o.Channel)
			}
			slices.Sort(out)
			return strings.Join(out, " ")
		}
		audited := func() int {
			t.Helper()
			entries, err := e.db.ListAudit(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, en := range entries {
				if en.Action == domain.AuditNotificationSettingsUpdated && en.Actor == "lo-no" {
					n++
				}
			}
			return n
		}

		// Turning off a kind that cannot reach lo-no: refused, naming the
		// entry's kind, with the valid entry beside it not stored either.
		r := e.do("lo-no", http.MethodPut, path, body(cell(domain.NotifyApproved, domain.ChannelEmail, false),
			cell(domain.NotifyStageActive, domain.ChannelEmail, false)))
		wantProblem(t, r, 422, "invalid", "settings[1].kind")
		if errs := r.JSON(t)["errors"].([]any); len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["message"].(string), `"stage.active"`) {
			t.Errorf("the refusal names the one entry and its kind: %s", r.Body)
		}
		if s, n := stored(), audited(); s != "" || n != 0 {
			t.Fatalf("a refused PUT stored %q, %d audit entries", s, n)
		}
		// Listing it as it is stored (on) changes nothing there.
		want(t, e.do("lo-no", http.MethodPut, path, body(cell(domain.NotifyStageActive, domain.ChannelEmail, true))), 200)
		if s := stored(); s != "" {
			t.Fatalf("stage.active listed as stored: %q", s)
		}

		// An opt-out of stage.active stored under roles lo-no held before.
		before := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison, domain.RoleHNS}}
		if _, err := e.notifications.SetSettings(ctx, before, []domain.ChannelSetting{{Kind: domain.NotifyStageActive, Channel: domain.ChannelEmail}}); err != nil {
			t.Fatal(err)
		}
		get := e.do("lo-no", http.MethodGet, path, nil)
		if slices.Contains(kinds(get), domain.NotifyStageActive) || strings.Contains(string(get.Body), "false") {
			t.Errorf("the hidden opt-out is shown: %s", get.Body)
		}
		put := e.do("lo-no", http.MethodPut, path, body(cell(domain.NotifyApproved, domain.ChannelWebhook, false)))
		want(t, put, 200)
		if got := kinds(put); slices.Contains(got, domain.NotifyStageActive) {
			t.Errorf("the PUT's answer shows a kind that cannot reach lo-no: %s", put.Body)
		}
		if s := stored(); s != "request.approved/webhook stage.active/email" {
			t.Errorf("after a PUT of lo-no's kinds: stored %q, want the hidden opt-out kept", s)
		}
		// Listing the hidden opt-out as stored (off) is accepted; turning
		// it on is refused.
		want(t, e.do("lo-no", http.MethodPut, path, body(cell(domain.NotifyStageActive, domain.ChannelEmail, false))), 200)
		wantProblem(t, e.do("lo-no", http.MethodPut, path, body(cell(domain.NotifyStageActive, domain.ChannelEmail, true))), 422, "invalid", "settings[0].kind")
		want(t, e.do("lo-no", http.MethodPut, path, body()), 200)
		if s := stored(); s != "stage.active/email" {
			t.Errorf("after an empty PUT: stored %q, want only the hidden opt-out", s)
		}
	})
}

func TestWebhooksAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		created := e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://no.example/hook?token=abc"})
		want(t, created, 201)
		w := created.JSON(t)
		id, secret := w["id"].(string), w["secret"].(string)
		if key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_")); !strings.HasPrefix(secret, "whsec_") || err != nil || len(key) != 32 {
			t.Fatalf("secret %q: want whsec_ and base64 of 32 bytes", secret)
		}
		if w["role"] != nil || w["active"] != true || created.Header.Get("Location") != "/api/v1/me/webhooks/"+id ||
			created.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("created %s %v", created.Body, created.Header)
		}
		list := e.do("lo-no", http.MethodGet, "/api/v1/me/webhooks", nil)
		want(t, list, 200)
		if items := list.JSON(t)["items"].([]any); len(items) != 1 || strings.Contains(string(list.Body), secret) || strings.Contains(string(list.Body), "secret") {
			t.Fatalf("list %s: want one webhook, no secret", list.Body)
		}
		if items := e.do("lo-de", http.MethodGet, "/api/v1/me/webhooks", nil).JSON(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("lo-de sees another's webhooks: %v", items)
		}

		// Refusals: the URL, server-owned fields, a role on one's own webhook.
		for _, c := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"url": ""}, "url"},
			{map[string]any{"url": "ftp://no.example/x"}, "url"},
			{map[string]any{"url": "https://user:pw@no.example/x"}, "url"},
			{map[string]any{"url": "https://no.example/x#frag"}, "url"},
			{map[string]any{"url": "https://" + strings.Repeat("a", 2000) + ".example"}, "url"},
			{map[string]any{"url": "https://no.example:99999/x"}, "url"},
			{map[string]any{"url": "https://no.example:0/x"}, "url"},
			{map[string]any{"url": "https://no.example/x y"}, "url"},
			{map[string]any{"url": "https://no.example/x\ty"}, "url"},
			{map[string]any{"url": "https://no.example/x", "secret": "whsec_mine"}, "secret"},
			{map[string]any{"url": "https://no.example/x", "role": "hns_officer"}, "role"},
		} {
			wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", c.body), 422, "invalid", c.field)
		}
		e.notifications.AllowHTTP, e.notifications.AllowPrivate = false, false
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "http://no.example/x"}), 422, "invalid", "url")
		// An IP literal that is not public would only fail at every
		// delivery: refused at once.
		for _, u := range []string{"https://127.0.0.1/x", "https://[::1]/x", "https://169.254.169.254/latest", "https://100.100.100.200/x", "https://localhost/x"} {
			wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": u}), 422, "invalid", "url")
		}
		// So is one written in full-width characters, read as the sender
		// connects to it (its IDNA ASCII form), or a host with no such form;
		// an internationalised name is accepted and kept as it was given.
		for _, u := range []string{"https://１２７.０.０.１/", "https://ｌｏｃａｌｈｏｓｔ/", "https://bücher-.example/x"} {
			wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": u}), 422, "invalid", "url")
		}
		idn := e.do("lo-de", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://bücher.example/x"})
		want(t, idn, 201)
		if got := idn.JSON(t)["url"]; got != "https://bücher.example/x" {
			t.Errorf("an internationalised name stored as %v", got)
		}
		// A number spelled other than as a dotted quad hides which address
		// it is (the review's 2130706433 is 127.0.0.1): refused at once,
		// naming url, even where private addresses are allowed.
		for _, u := range []string{"https://2130706433:18999/", "https://0x7f000001/", "https://127.1/", "https://0177.0.0.1/"} {
			wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": u}), 422, "invalid", "url")
			e.notifications.AllowPrivate = true
			wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": u}), 422, "invalid", "url")
			e.notifications.AllowPrivate = false
		}
		// --webhook-allow-http alone admits http:// but still no private address.
		e.notifications.AllowHTTP = true
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "http://127.0.0.1:9/x"}), 422, "invalid", "url")
		e.notifications.AllowPrivate = true

		// Only the owner revokes, once; an administrator's role route does not reach it.
		wantProblem(t, e.do("lo-de", http.MethodDelete, "/api/v1/me/webhooks/"+id, nil), 404, "not_found")
		wantProblem(t, e.do("admin", http.MethodDelete, "/api/v1/webhooks/"+id, nil), 404, "not_found")
		revoked := e.do("lo-no", http.MethodDelete, "/api/v1/me/webhooks/"+id, nil)
		want(t, revoked, 200)
		if revoked.JSON(t)["active"] != false || strings.Contains(string(revoked.Body), secret) {
			t.Fatalf("revoked %s", revoked.Body)
		}
		wantProblem(t, e.do("lo-no", http.MethodDelete, "/api/v1/me/webhooks/"+id, nil), 409, "conflict")

		// Role webhooks: administrators, approver roles only.
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hns.example/x", "role": "hns_officer"}), 403, "forbidden")
		wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hns.example/x", "role": "liaison_officer"}), 422, "invalid", "role")
		wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hns.example/x"}), 422, "invalid", "role")
		role := e.do("admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hns.example/x", "role": "hns_officer"})
		want(t, role, 201)
		roleID, roleSecret := role.JSON(t)["id"].(string), role.JSON(t)["secret"].(string)
		if role.JSON(t)["role"] != "hns_officer" || role.Header.Get("Location") != "/api/v1/webhooks/"+roleID {
			t.Fatalf("role webhook %s", role.Body)
		}
		roles := e.do("admin", http.MethodGet, "/api/v1/webhooks", nil)
		if items := roles.JSON(t)["items"].([]any); len(items) != 1 || strings.Contains(string(roles.Body), roleSecret) {
			t.Fatalf("role list %s", roles.Body)
		}
		if items := e.do("admin", http.MethodGet, "/api/v1/me/webhooks", nil).JSON(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("a role webhook listed as the admin's own: %v", items)
		}
		wantProblem(t, e.do("admin", http.MethodDelete, "/api/v1/me/webhooks/"+roleID, nil), 404, "not_found")
		want(t, e.do("admin", http.MethodDelete, "/api/v1/webhooks/"+roleID, nil), 200)

		// Audited, without secrets or the URL's query.
		log := e.auditText()
		for _, s := range []string{secret, roleSecret, "whsec_", "token=abc"} {
			if strings.Contains(log, s) {
				t.Errorf("the audit log holds %q", s)
			}
		}
		if strings.Contains(log, "/hook") {
			t.Error("the audit log holds the webhook URL's path")
		}
		sum := sha256.Sum256([]byte("https://no.example/hook?token=abc"))
		for _, s := range []string{`"action":"webhook.created"`, `"action":"webhook.revoked"`, `"owner":"lo-no"`, `"role":"hns_officer"`,
			`"url":"https://no.example sha256:` + hex.EncodeToString(sum[:]) + `"`} {
			if !strings.Contains(log, s) {
				t.Errorf("the audit log lacks %s", s)
			}
		}
	})
}

// hookReceiver is a webhook endpoint as a receiver would write it: it
// verifies the Standard Webhooks signature with its own code (not the
// server's), refuses stale timestamps, and handles each webhook-id once.
type hookReceiver struct {
	t       *testing.T
	mu      sync.Mutex
	secrets map[string]string // path → secret
	now     func() time.Time
	seen    map[string]bool   // webhook-id already handled
	got     map[string][]hook // path → messages handled, in order
	repeats int               // deliveries dropped as repeats
	bad     int               // deliveries refused (bad signature)
	// failOnce answers 503 to the first delivery of each id after handling
	// it, as a receiver that crashed before answering: the server retries
	// and the repeat must be dropped.
	failOnce bool
	failed   map[string]bool
}

type hook struct {
	ID   string
	Type string
	Data map[string]any
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	h.mu.Lock()
	defer h.mu.Unlock()
	secret, ok := h.secrets[r.URL.Path]
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	id, ts, sigs := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature")
	if !verifyStandardWebhook(secret, id, ts, sigs, body, h.now()) {
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if h.seen[id] {
		h.repeats++
		w.WriteHeader(http.StatusNoContent)
		return
	}
	var m hook
	if err := json.Unmarshal(body, &m); err != nil {
		h.t.Errorf("body %s: %v", body, err)
	}
	m.ID = id
	h.seen[id] = true
	h.got[r.URL.Path] = append(h.got[r.URL.Path], m)
	if h.failOnce && !h.failed[id] {
		h.failed[id] = true
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// verifyStandardWebhook checks a delivery as the Standard Webhooks
// specification says: the timestamp within five minutes, and one of the
// space-separated "v1,<base64>" signatures equal (in constant time) to the
// HMAC-SHA256 of "id.timestamp.body" keyed with the base64-decoded secret
// after "whsec_".
func verifyStandardWebhook(secret, id, timestamp, signatures string, body []byte, now time.Time) bool {
	sec, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil || id == "" {
		return false
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return false
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + timestamp + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, s := range strings.Fields(signatures) {
		v, sig, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(sig)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// TestVerifierAcceptsTheReferenceVector: the receiver's verification
// accepts the Standard Webhooks reference vector and refuses it changed.
func TestVerifierAcceptsTheReferenceVector(t *testing.T) {
	const secret, id, ts = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330"
	body := []byte(`{"test": 2432232314}`)
	at := time.Unix(1614265330, 0)
	sig := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	if !verifyStandardWebhook(secret, id, ts, "v1,bm9wZQ== "+sig, body, at) {
		t.Fatal("the reference vector is refused")
	}
	for name, ok := range map[string]bool{
		"body":      verifyStandardWebhook(secret, id, ts, sig, []byte(`{"test": 2432232315}`), at),
		"id":        verifyStandardWebhook(secret, "msg_other", ts, sig, body, at),
		"stale":     verifyStandardWebhook(secret, id, ts, sig, body, at.Add(6*time.Minute)),
		"v2":        verifyStandardWebhook(secret, id, ts, strings.Replace(sig, "v1,", "v2,", 1), body, at),
		"no secret": verifyStandardWebhook("whsec_AAAA", id, ts, sig, body, at),
	} {
		if ok {
			t.Errorf("changed %s: accepted", name)
		}
	}
}

// TestWebhookReceiverJourney: a role's webhook hears that a stage of the
// role became active, the liaison officer's own webhook hears of the
// submission and of the decision, each message once although the receiver
// made the server retry; another nation's officer's webhook hears nothing,
// and neither does a revoked one.
func TestWebhookReceiverJourney(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		now := testNow
		e.clock = func() time.Time { return now }
		rec := &hookReceiver{t: t, secrets: map[string]string{}, now: func() time.Time { return now }, seen: map[string]bool{},
			got: map[string][]hook{}, failOnce: true, failed: map[string]bool{}}
		srv := httptest.NewServer(rec)
		defer srv.Close()
		register := func(as, path, url string, body map[string]any) string {
			r := e.do(as, http.MethodPost, path, body)
			want(t, r, 201)
			rec.mu.Lock()
			rec.secrets[strings.TrimPrefix(url, srv.URL)] = r.JSON(t)["secret"].(string)
			rec.mu.Unlock()
			return r.JSON(t)["id"].(string)
		}
		for _, h := range []struct{ as, path, role string }{
			{"admin", "/api/v1/webhooks", "hns_officer"}, {"admin", "/api/v1/webhooks", "ministry"},
			{"lo-no", "/api/v1/me/webhooks", ""}, {"lo-de", "/api/v1/me/webhooks", ""}, {"lo-no2", "/api/v1/me/webhooks", ""},
		} {
			url := srv.URL + "/" + h.as + "/" + h.role
			body := map[string]any{"url": url}
			if h.role != "" {
				body["role"] = h.role
			}
			id := register(h.as, h.path, url, body)
			if h.as == "lo-no2" {
				want(t, e.do("lo-no2", http.MethodDelete, "/api/v1/me/webhooks/"+id, nil), 200)
			}
		}

		sender := notify.NewWebhookSender(e.db, true, true)
		sender.Now = func() time.Time { return now }
		worker := &notify.Worker{Outbox: e.db, Webhook: sender, Now: func() time.Time { return now }}
		deliver := func() {
			t.Helper()
			// Twice, the second after the back-off: the retries of the
			// deliveries the receiver answered 503.
			for range 2 {
				for {
					n, err := worker.RunOnce(context.Background())
					if err != nil {
						t.Fatal(err)
					}
					if n == 0 {
						break
					}
				}
				now = now.Add(domain.RetryDelay(1) + time.Second)
			}
		}

		id, tag := e.submitted(draft())
		deliver()
		r := e.decide("hns", id, tag, "intake", "reject", "the period overlaps a national exercise")
		if r.Status/100 != 2 {
			t.Fatalf("decision: %d %s", r.Status, r.Body)
		}
		deliver()

		rec.mu.Lock()
		defer rec.mu.Unlock()
		kinds := func(path string) string {
			var out []string
			for _, m := range rec.got[path] {
				out = append(out, m.Type)
				if m.Data["request_id"] != id || len(m.Data) != 3 {
					t.Errorf("%s: data %v", path, m.Data)
				}
			}
			return strings.Join(out, ",")
		}
		for path, want := range map[string]string{
			"/admin/hns_officer": "stage.active",
			"/admin/ministry":    "",
			"/lo-no/":            "request.submitted,request.rejected",
			"/lo-de/":            "",
			"/lo-no2/":           "",
		} {
			if got := kinds(path); got != want {
				t.Errorf("%s heard %q, want %q", path, got, want)
			}
		}
		if rej := rec.got["/lo-no/"]; len(rej) == 2 && !strings.Contains(fmt.Sprint(rej[1].Data["body"]), "overlaps a national exercise") {
			t.Errorf("the rejection does not carry its comment: %v", rej[1].Data)
		}
		if active := rec.got["/admin/hns_officer"]; len(active) == 1 && !strings.Contains(fmt.Sprint(active[0].Data["subject"]), "SE-2026-EXA-") {
			t.Errorf("stage active: %v", active[0].Data)
		}
		if rec.bad != 0 || rec.repeats != 3 {
			t.Errorf("%d deliveries with a bad signature, %d repeats dropped; want 0 and 3 (each message retried once)", rec.bad, rec.repeats)
		}
		rows, err := e.db.Notifications(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rows {
			if n.Channel == domain.ChannelWebhook && (n.Status != domain.DeliverySent || n.Attempts != 2) {
				t.Errorf("webhook row %s %s: %s after %d attempts, want sent after 2", n.Kind, n.Key, n.Status, n.Attempts)
			}
		}
	})
}

// TestRevokedWebhookGetsNothing: a delivery queued for a webhook that is
// revoked before the worker reaches it is not sent, and not retried.
func TestRevokedWebhookGetsNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		var hits int
		var mu sync.Mutex
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			mu.Lock()
			hits++
			mu.Unlock()
		}))
		defer srv.Close()
		r := e.do("lo-no", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": srv.URL + "/hook"})
		want(t, r, 201)
		hook := r.JSON(t)["id"].(string)
		id, _ := e.submitted(draft())
		want(t, e.do("lo-no", http.MethodDelete, "/api/v1/me/webhooks/"+hook, nil), 200)
		worker := &notify.Worker{Outbox: e.db, Webhook: notify.NewWebhookSender(e.db, true, true), Now: e.clock}
		if _, err := worker.RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		rows, err := e.db.Notifications(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, n := range rows {
			if n.WebhookID == hook {
				found = true
				if n.Status != domain.DeliveryUndeliverable || !strings.Contains(n.LastError, "revoked") {
					t.Errorf("row of the revoked webhook: %s (%s)", n.Status, n.LastError)
				}
			}
		}
		mu.Lock()
		defer mu.Unlock()
		if !found || hits != 0 {
			t.Fatalf("row queued %v, receiver called %d times; want a row, no call", found, hits)
		}
	})
}
