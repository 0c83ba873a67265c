package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"exaccess/internal/apptest"
	"exaccess/storage/storagetest"
)

// TestPolicyApproverRole: the routing policy defines which approver roles
// exist (docs/product.md, "Roles"). With a policy whose stage names
// customs_officer, an administrator gives an account that role; its token
// carries it; a submitted request's customs stage shows in that account's
// queue (also filtered by the role) and in no other, the account decides
// it, and nobody else may; the role has role webhooks and delegations like
// any approver role. A role neither built in nor in the policy is still
// refused, with the roles that exist.
func TestPolicyApproverRole(t *testing.T) {
	p := apptest.CustomsPolicy(t)
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			e := newEnvWith(t, c.DSN, apptest.Options{Policy: p})

			// The administrator makes ops2 the customs officer.
			ops2, tag := e.userID("ops2")
			r := e.do("admin", http.MethodPatch, "/api/v1/users/"+ops2,
				map[string]any{"roles": []string{"customs_officer"}, "reason": "seconded from the Swedish Customs"}, "If-Match", tag)
			want(t, r, http.StatusOK)
			if roles := r.JSON(t)["roles"].([]any); len(roles) != 1 || roles[0] != "customs_officer" {
				t.Fatalf("ops2's roles: %v", roles)
			}
			list := e.do("admin", http.MethodGet, "/api/v1/users?role=customs_officer", nil)
			want(t, list, http.StatusOK)
			if items := list.JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["username"] != "ops2" {
				t.Fatalf("users of customs_officer: %s", list.Body)
			}
			want(t, e.signIn("customs", "ops2", apptest.Password), http.StatusOK)
			me := e.do("customs", http.MethodGet, "/api/v1/me", nil)
			want(t, me, http.StatusOK)
			if !strings.Contains(string(me.Body), `"customs_officer"`) {
				t.Fatalf("me: %s", me.Body)
			}

			id, tag := e.submitted(draft())
			path := "/api/v1/requests/" + id
			if got := stageStatuses(t, e.do("customs", http.MethodGet, path, nil)); got["customs"] != "pending" {
				t.Fatalf("stages %v: want customs pending", got)
			}
			r = e.decide("hns", id, tag, "intake", "approve", "")
			want(t, r, http.StatusOK)
			tag = r.Header.Get("ETag")

			queued := func(as, query string) []string {
				t.Helper()
				q := e.do(as, http.MethodGet, "/api/v1/queue"+query, nil)
				want(t, q, http.StatusOK)
				var out []string
				for _, it := range q.JSON(t)["items"].([]any) {
					if m := it.(map[string]any); m["request_id"] == id {
						out = append(out, m["stage"].(string)+" "+m["role"].(string))
					}
				}
				return out
			}
			for _, query := range []string{"", "?role=customs_officer"} {
				if got := queued("customs", query); !slices.Equal(got, []string{"customs customs_officer"}) {
					t.Errorf("customs officer's queue%s: %v", query, got)
				}
			}
			if got := queued("ops", ""); slices.Contains(got, "customs customs_officer") {
				t.Errorf("ops's queue has the customs stage: %v", got)
			}
			wantProblem(t, e.do("ops", http.MethodGet, "/api/v1/queue?role=never_added_role", nil), http.StatusUnprocessableEntity, "invalid", "role")

			wantProblem(t, e.decide("ops", id, tag, "customs", "approve", ""), http.StatusForbidden, "forbidden")
			r = e.decide("customs", id, tag, "customs", "approve", "goods declared")
			want(t, r, http.StatusOK)
			if got := stageStatuses(t, r); got["customs"] != "approved" {
				t.Fatalf("after the customs officer's decision: %v", got)
			}

			// A role webhook and a delegation of the role.
			want(t, e.do("admin", http.MethodPost, "/api/v1/webhooks",
				map[string]any{"url": "https://customs.example/hook", "role": "customs_officer"}), http.StatusCreated)
			want(t, e.do("customs", http.MethodPost, "/api/v1/delegations",
				map[string]any{"to": "range", "role": "customs_officer", "ends": "2026-12-01T00:00:00Z"}), http.StatusCreated)

			// A role neither built in nor named by the policy.
			_, tag = e.userID("ops2")
			r = e.do("admin", http.MethodPatch, "/api/v1/users/"+ops2,
				map[string]any{"roles": []string{"never_added_role"}, "reason": "typo"}, "If-Match", tag)
			wantProblem(t, r, http.StatusUnprocessableEntity, "invalid", "roles[0]")
			if !strings.Contains(string(r.Body), "customs_officer") || !strings.Contains(string(r.Body), "hns_officer") {
				t.Errorf("the refusal does not list the roles that exist: %s", r.Body)
			}
			wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/webhooks",
				map[string]any{"url": "https://x.example/hook", "role": "never_added_role"}), http.StatusUnprocessableEntity, "invalid", "role")
		})
	}
}
