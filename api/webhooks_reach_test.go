package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestMyWebhookOnlyWhereAKindReaches: POST /api/v1/me/webhooks refuses an
// auditor or an administrator (403, saying why): no kind of notification
// reaches their roles, so a webhook of theirs would never be sent
// anything. A role webhook stays the administrator's to register, and a
// liaison officer or an approver still adds their own.
func TestMyWebhookOnlyWhereAKindReaches(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for _, who := range []string{"auditor", "admin"} {
			r := e.do(who, http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/" + who})
			wantProblem(t, r, http.StatusForbidden, "forbidden")
			if !strings.Contains(string(r.Body), "no kind of notification reaches your roles") {
				t.Errorf("%s: %s", who, r.Body)
			}
			if items := e.do(who, http.MethodGet, "/api/v1/me/webhooks", nil).JSON(t)["items"].([]any); len(items) != 0 {
				t.Errorf("%s: a webhook was stored: %v", who, items)
			}
		}
		want(t, e.do("admin", http.MethodPost, "/api/v1/webhooks", map[string]any{"url": "https://hooks.example/role", "role": "hns_officer"}), http.StatusCreated)
		for _, who := range []string{"lo-no", "hns"} {
			want(t, e.do(who, http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/" + who}), http.StatusCreated)
		}
	})
}
