package api

import (
	"bytes"
	"net/http"
	"testing"

	"exaccess/api/auth/authtest"
	"exaccess/domain"
)

// queueLen is the number of active stages of role in as's queue.
func (e *env) queueLen(as, role string) int {
	e.t.Helper()
	r := e.do(as, http.MethodGet, "/api/v1/queue", nil)
	want(e.t, r, 200)
	n := 0
	for _, it := range r.JSON(e.t)["items"].([]any) {
		if it.(map[string]any)["role"] == role {
			n++
		}
	}
	return n
}

// TestDelegationsFollowTheDelegatorsAccount: a delegation counts only while
// its delegator is enabled and still holds the role; the delegate cannot
// decide "acting for" a disabled account. Administrators list and end any
// delegation.
func TestDelegationsFollowTheDelegatorsAccount(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		d := e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "gov", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"})
		want(t, d, 201)
		delegation := d.JSON(t)["id"].(string)
		if n := e.queueLen("gov", "hns_officer"); n != 1 {
			t.Fatalf("the delegate's queue holds %d intake stages, want 1", n)
		}

		hnsID, _ := e.userID("hns")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+hnsID+"/disable", map[string]any{"reason": "left"}), 200)
		if n := e.queueLen("gov", "hns_officer"); n != 0 {
			t.Errorf("a disabled delegator's delegation still fills the queue (%d)", n)
		}
		wantProblem(t, e.decide("gov", id, tag, "intake", "approve", "acting for a disabled account"), 403, "forbidden")

		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+hnsID+"/enable", map[string]any{"reason": "back"}), 200)
		if n := e.queueLen("gov", "hns_officer"); n != 1 {
			t.Errorf("after enable the delegation counts again: %d", n)
		}
		_, hnsTag := e.userID("hns")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+hnsID, map[string]any{"roles": []string{"range_officer"}}, "If-Match", hnsTag), 200)
		if n := e.queueLen("gov", "hns_officer"); n != 0 {
			t.Errorf("a delegator who lost the role still gives it (%d)", n)
		}

		// The administrator sees every delegation and ends any.
		list := e.do("admin", http.MethodGet, "/api/v1/delegations", nil)
		want(t, list, 200)
		if n := len(list.JSON(t)["items"].([]any)); n != 1 {
			t.Errorf("admin lists %d delegations, want 1", n)
		}
		want(t, e.do("admin", http.MethodDelete, "/api/v1/delegations/"+delegation, nil), 200)
		wantProblem(t, e.do("admin", http.MethodDelete, "/api/v1/delegations/"+delegation, nil), 409, "conflict")
		wantProblem(t, e.do("range", http.MethodGet, "/api/v1/users", nil), 403, "forbidden")
	})
}

// TestIdPSubjectGetsAnAccount: a subject of the identity provider gets an
// account row on its first call, can then receive a delegation, and is
// refused once an administrator disables that account.
func TestIdPSubjectGetsAnAccount(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.withIdP(authtest.NewIdP(t))
		body := map[string]any{"to": "idp:hns", "role": "range_officer", "ends": "2026-12-01T00:00:00Z"}
		wantProblem(t, e.do("range", http.MethodPost, "/api/v1/delegations", body), 422, "invalid", "to")
		want(t, e.do("idp-hns", http.MethodGet, "/api/v1/me", nil), 200)
		users := e.do("admin", http.MethodGet, "/api/v1/users?role=hns_officer", nil).JSON(t)["items"].([]any)
		var id string
		for _, it := range users {
			if u := it.(map[string]any); u["username"] == "idp:hns" {
				id = u["id"].(string)
				if u["external"] != true {
					t.Errorf("the IdP account is not marked external: %v", u)
				}
			}
		}
		if id == "" {
			t.Fatalf("no account for the IdP subject: %v", users)
		}
		want(t, e.do("range", http.MethodPost, "/api/v1/delegations", body), 201)
		wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/reset-password", map[string]any{}), 409, "conflict")
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"roles": []string{"auditor"}}, "If-Match", `"1"`), 409, "conflict")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/disable", map[string]any{"reason": "left"}), 200)
		wantProblem(t, e.do("idp-hns", http.MethodGet, "/api/v1/me", nil), 401, "unauthorized")
	})
}

// TestDelegationDoesNotTellAccountsApart: which accounts exist, whether
// they are enabled and which roles they hold are for administrators. An
// approver naming a delegate who may not receive a delegation gets one and
// the same answer, byte for byte, whether no account has that name, the
// account is a liaison officer, an auditor or an administrator, or it is a
// disabled approver; an enabled approver is accepted.
func TestDelegationDoesNotTellAccountsApart(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		gov2, _ := e.userID("gov2")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+gov2+"/disable", map[string]any{"reason": "left"}), http.StatusOK)
		delegate := func(to string) resp {
			return e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": to, "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"})
		}
		missing := delegate("nobody")
		wantProblem(t, missing, http.StatusUnprocessableEntity, "invalid", "to")
		if got := fieldMessage(t, missing, "to"); got != domain.NoDelegateMessage {
			t.Errorf("a missing account: %q, want %q", got, domain.NoDelegateMessage)
		}
		for _, to := range []string{"lo-no", "auditor", "admin", "gov2"} {
			r := delegate(to)
			if r.Status != missing.Status || !bytes.Equal(r.Body, missing.Body) ||
				r.Header.Get("Content-Type") != missing.Header.Get("Content-Type") {
				t.Errorf("to %s: %d %s\na missing account: %d %s", to, r.Status, r.Body, missing.Status, missing.Body)
			}
		}
		want(t, delegate("gov"), http.StatusCreated)
	})
}

// TestDelegationToAHolderIsRefused: gov2 delegating ministry to gov, who
// holds ministry already (and may have decided the stage already), is
// refused with 422 at the field to, saying why; nothing is stored. gov2
// may delegate it to ops, who does not hold it.
func TestDelegationToAHolderIsRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		delegate := func(to string) resp {
			return e.do("gov2", http.MethodPost, "/api/v1/delegations", map[string]any{"to": to, "role": "ministry", "ends": "2026-12-01T00:00:00Z"})
		}
		r := delegate("gov")
		wantProblem(t, r, http.StatusUnprocessableEntity, "invalid", "to")
		if got := fieldMessage(t, r, "to"); got != domain.DelegateHoldsRoleMessage {
			t.Errorf("to a holder of the role: %q, want %q", got, domain.DelegateHoldsRoleMessage)
		}
		list := e.do("gov2", http.MethodGet, "/api/v1/delegations", nil)
		want(t, list, http.StatusOK)
		if n := len(list.JSON(t)["items"].([]any)); n != 0 {
			t.Errorf("%d delegations stored", n)
		}
		want(t, delegate("ops"), http.StatusCreated)
	})
}
