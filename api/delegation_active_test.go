package api

import (
	"net/http"
	"testing"
)

// TestDelegationListSaysWhetherItCounts: GET /api/v1/delegations calls a
// delegation active only while it runs and counts, and says why it does
// not otherwise. Five delegations run; the administrator then disables
// gov (a delegate) and ops (a delegator), makes ops2 (a delegate) a
// liaison officer and takes ministry from gov2 (a delegator). Their
// delegations, within their dates still, are listed as not active with
// delegate_disabled, delegator_disabled, delegate_not_approver and
// delegator_lost_role; hns's delegation to range stays active, with
// inactive_reason null. One not started yet says not_started; a revoked one
// says revoked. Enabling gov again makes its delegation active again.
func TestDelegationListSaysWhetherItCounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const ends = "2026-12-31T00:00:00Z"
		create := func(as, to, role string, extra ...string) string {
			t.Helper()
			body := map[string]any{"to": to, "role": role, "ends": ends}
			if len(extra) == 2 {
				body[extra[0]] = extra[1]
			}
			r := e.do(as, http.MethodPost, "/api/v1/delegations", body)
			want(t, r, http.StatusCreated)
			return r.JSON(t)["id"].(string)
		}
		counting := create("hns", "range", "hns_officer")
		toGov := create("hns", "gov", "hns_officer")
		fromOps := create("ops", "range", "operations_approver")
		toOps2 := create("range", "ops2", "range_officer")
		fromGov2 := create("gov2", "hns", "ministry")
		later := create("ops2", "gov", "operations_approver", "starts", "2026-12-01T00:00:00Z")
		revoked := create("gov", "ops2", "ministry")
		rev := e.do("gov", http.MethodDelete, "/api/v1/delegations/"+revoked, nil)
		want(t, rev, http.StatusOK)
		if got := rev.JSON(t); got["active"] != false || got["inactive_reason"] != "revoked" {
			t.Fatalf("the revocation's answer: %s", rev.Body)
		}

		disable := func(username string) {
			t.Helper()
			id, _ := e.userID(username)
			want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/disable", map[string]any{"reason": "left"}), http.StatusOK)
		}
		patch := func(username string, change map[string]any) {
			t.Helper()
			id, tag := e.userID(username)
			want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, change, "If-Match", tag), http.StatusOK)
		}
		type state struct {
			active bool
			reason any
		}
		states := func(as string) map[string]state {
			t.Helper()
			r := e.do(as, http.MethodGet, "/api/v1/delegations", nil)
			want(t, r, http.StatusOK)
			out := map[string]state{}
			for _, it := range r.JSON(t)["items"].([]any) {
				m := it.(map[string]any)
				out[m["id"].(string)] = state{m["active"].(bool), m["inactive_reason"]}
			}
			return out
		}
		// The delegation not started, before ops2 stops being an approver.
		if got := states("auditor"); got[later] != (state{false, "not_started"}) || got[toGov] != (state{true, nil}) {
			t.Fatalf("before any account changed: %+v", got)
		}

		disable("gov")
		disable("ops")
		patch("ops2", map[string]any{"roles": []string{"liaison_officer"}, "nation": "AT"})
		patch("gov2", map[string]any{"roles": []string{"range_officer"}})

		wantStates := map[string]state{
			counting: {true, nil},
			toGov:    {false, "delegate_disabled"},
			fromOps:  {false, "delegator_disabled"},
			toOps2:   {false, "delegate_not_approver"},
			fromGov2: {false, "delegator_lost_role"},
			later:    {false, "delegator_lost_role"}, // from ops2, no operations_approver any more
			revoked:  {false, "revoked"},
		}
		for _, as := range []string{"auditor", "admin"} {
			got := states(as)
			for id, w := range wantStates {
				if got[id] != w {
					t.Errorf("%s's list: delegation %s is %+v, want %+v", as, id, got[id], w)
				}
			}
		}
		// hns sees its own two as the others do.
		if got := states("hns"); len(got) != 3 || got[counting] != wantStates[counting] || got[toGov] != wantStates[toGov] ||
			got[fromGov2] != wantStates[fromGov2] {
			t.Errorf("hns's list: %+v", got)
		}

		govID, _ := e.userID("gov")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+govID+"/enable", map[string]any{"reason": "back"}), http.StatusOK)
		if got := states("hns")[toGov]; got != (state{true, nil}) {
			t.Errorf("after gov is enabled again its delegation is %+v, want active", got)
		}
	})
}
