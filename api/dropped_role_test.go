package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/apptest"
	"exaccess/storage/storagetest"
)

// TestPolicyDroppedRole: a server started with a policy that no longer
// names customs_officer (which accounts, a delegation and a routed request
// still hold) gives that role nothing. gov2, who holds it beside
// ministry, may not decide the customs stage; range, to whom gov2
// delegated it, sees the delegation as not active (delegator_lost_role),
// has no customs stage in the queue, and may not decide it either. ops2,
// whose only role it is, is refused at sign-in with a message that says
// so (not a token that every call refuses). An administrator still finds
// the accounts that hold it.
func TestPolicyDroppedRole(t *testing.T) {
	p := apptest.CustomsPolicy(t)
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			builtin := domain.SnapshotRoles()
			e := newEnvWith(t, c.DSN, apptest.Options{Policy: p})

			gov2, tag := e.userID("gov2")
			want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+gov2,
				map[string]any{"roles": []string{"ministry", "customs_officer"}, "reason": "customs"}, "If-Match", tag), http.StatusOK)
			ops2, tag := e.userID("ops2")
			want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+ops2,
				map[string]any{"roles": []string{"customs_officer"}, "reason": "customs"}, "If-Match", tag), http.StatusOK)
			want(t, e.signIn("gov2", "gov2", apptest.Password), http.StatusOK)
			want(t, e.do("gov2", http.MethodPost, "/api/v1/delegations",
				map[string]any{"to": "range", "role": "customs_officer", "ends": "2026-12-01T00:00:00Z"}), http.StatusCreated)
			id, tag := e.submitted(draft())
			r := e.decide("hns", id, tag, "intake", "approve", "")
			want(t, r, http.StatusOK)
			tag = r.Header.Get("ETag")
			for _, who := range []string{"gov2", "range"} {
				if q := e.do(who, http.MethodGet, "/api/v1/queue?role=customs_officer", nil); !strings.Contains(string(q.Body), `"customs_officer"`) {
					t.Fatalf("while the policy names it, %s's queue lacks the customs stage: %s", who, q.Body)
				}
			}

			// The server restarts with a policy that no longer names customs_officer.
			builtin.Restore()
			want(t, e.signIn("gov2", "gov2", apptest.Password), http.StatusOK)
			wantProblem(t, e.decide("gov2", id, tag, "customs", "approve", ""), http.StatusForbidden, "forbidden")

			list := e.do("range", http.MethodGet, "/api/v1/delegations", nil)
			want(t, list, http.StatusOK)
			items := list.JSON(t)["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("range's delegations: %s", list.Body)
			}
			if m := items[0].(map[string]any); m["active"] != false || m["inactive_reason"] != "delegator_lost_role" {
				t.Errorf("the delegation of a dropped role: active %v, inactive_reason %v", m["active"], m["inactive_reason"])
			}
			if q := e.do("range", http.MethodGet, "/api/v1/queue", nil); q.Status != http.StatusOK || strings.Contains(string(q.Body), `"customs"`) {
				t.Errorf("range's queue offers the customs stage of a dropped role: %d %s", q.Status, q.Body)
			}
			wantProblem(t, e.decide("range", id, tag, "customs", "approve", "after the policy dropped it"), http.StatusForbidden, "forbidden")

			// A stage of the dropped role that becomes active now is told to
			// nobody: not its holders, nor through the delegation.
			id2, tag2 := e.submitted(draft())
			want(t, e.decide("hns", id2, tag2, "intake", "approve", ""), http.StatusOK)
			ns, err := e.db.Notifications(context.Background(), id2)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				if n.AudienceRole == "customs_officer" {
					t.Errorf("a notice of the dropped role's stage: %s to %s", n.Kind, n.Recipient)
				}
			}

			r = e.signIn("ops2", "ops2", apptest.Password)
			wantProblem(t, r, http.StatusForbidden, "forbidden")
			if !strings.Contains(string(r.Body), "holds no role this server knows") {
				t.Errorf("ops2's refusal does not say why: %s", r.Body)
			}

			users := e.do("admin", http.MethodGet, "/api/v1/users?role=customs_officer", nil)
			want(t, users, http.StatusOK)
			var names []string
			for _, it := range users.JSON(t)["items"].([]any) {
				names = append(names, it.(map[string]any)["username"].(string))
			}
			if strings.Join(names, ",") != "gov2,ops2" && strings.Join(names, ",") != "ops2,gov2" {
				t.Errorf("holders of the dropped role: %v", names)
			}
		})
	}
}
