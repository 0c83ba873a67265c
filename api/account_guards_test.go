package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"
	"exaccess/internal/apptest"

	"github.com/google/uuid"
)

// storeUnchecked stores an account with roles as an older version could
// (an administrator who is an approver too), past the accounts service's
// checks, and signs it in (e.tokens[username]).
func (e *env) storeUnchecked(username string, roles ...domain.Role) {
	e.t.Helper()
	hash, err := auth.HashPassword(apptest.Password)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock().UTC()
	u := domain.User{ID: uuid.Must(uuid.NewV7()).String(), Username: username, PasswordHash: hash, Roles: roles,
		CreatedAt: now, UpdatedAt: now, Generation: 1, Version: 1}
	if err := e.db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
		e.t.Fatal(err)
	}
	want(e.t, e.signIn(username, username, apptest.Password), http.StatusOK)
}

// TestAccountNamedLikeTheSystem: no account takes the name the audit log
// gives the server's own actions (domain.SystemActor), in any case; the
// refusal names username and stores nothing.
func TestAccountNamedLikeTheSystem(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		size := e.auditSize()
		for _, name := range []string{"system", "SYSTEM", "System"} {
			r := e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": name, "roles": []string{"hns_officer"}})
			wantProblem(t, r, 422, "invalid", "username")
			if !strings.Contains(string(r.Body), "reserved") {
				t.Errorf("%s: %s", name, r.Body)
			}
		}
		if _, err := e.db.GetUserByUsername(context.Background(), "system"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("an account named system: %v", err)
		}
		if n := e.auditSize(); n != size {
			t.Fatalf("the audit log grew by %d", n-size)
		}
	})
}

// TestAdministratorGivesThemselvesNothing: the review's reproduction — an
// administrator PATCHing their own account to approver roles, then
// deciding — is refused at the first step (403, nothing stored), and no
// administrator is given another role, on creation or on change (422
// naming roles). Another administrator's change of an account is one
// audit entry.
func TestAdministratorGivesThemselvesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		size := e.auditSize()
		adminID, adminTag := e.userID("admin")
		r := e.do("admin", http.MethodPatch, "/api/v1/users/"+adminID,
			map[string]any{"roles": []string{"admin", "ministry", "operations_approver"}}, "If-Match", adminTag)
		wantProblem(t, r, 403, "forbidden")
		if !strings.Contains(string(r.Body), "another administrator must") {
			t.Errorf("own roles: %s", r.Body)
		}
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+adminID, map[string]any{"roles": []string{"auditor"}}, "If-Match", adminTag),
			403, "forbidden")
		// The own address is the administrator's to change.
		r = e.do("admin", http.MethodPatch, "/api/v1/users/"+adminID, map[string]any{"email": "admin@example.org"}, "If-Match", adminTag)
		want(t, r, 200)
		if roles := r.JSON(t)["roles"].([]any); len(roles) != 1 || roles[0] != "admin" {
			t.Fatalf("the administrator's roles: %v", roles)
		}

		r = e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "boss", "roles": []string{"admin", "ministry"}})
		wantProblem(t, r, 422, "invalid", "roles")
		govID, govTag := e.userID("gov")
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+govID, map[string]any{"roles": []string{"ministry", "admin"}}, "If-Match", govTag),
			422, "invalid", "roles")
		if n := e.auditSize(); n != size+1 {
			t.Fatalf("the audit log grew by %d, want 1 (the address)", n-size)
		}

		// Another administrator makes gov one: one audit entry.
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+govID, map[string]any{"roles": []string{"admin"}, "reason": "runs accounts now"},
			"If-Match", govTag), 200)
		if n := e.auditSize(); n != size+2 {
			t.Fatalf("the audit log grew by %d, want 2", n-size)
		}
		u, err := e.db.GetUserByUsername(context.Background(), "gov")
		if err != nil || !slices.Equal(u.Roles, []domain.Role{domain.RoleAdmin}) {
			t.Fatalf("gov: %+v, %v", u, err)
		}
	})
}

// TestAdministratorsNeverDecideRequests: an account stored with admin
// beside an approver role (before the rule) has nothing in its queue and
// its decision is refused with separation of duties (403, recorded as a
// refused attempt, the request unchanged); it may not delegate the role
// (TestLegacyAdministratorDelegatesNothing has what a delegation it gave
// before does); the role's holder decides.
func TestAdministratorsNeverDecideRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.storeUnchecked("boss", domain.RoleAdmin, domain.RoleHNS)
		id, tag := e.submitted(draft())
		if n := e.queueLen("hns", "hns_officer"); n != 1 {
			t.Fatalf("the intake officer's queue holds %d stages, want 1", n)
		}
		if n := e.queueLen("boss", "hns_officer"); n != 0 {
			t.Fatalf("the administrator's queue holds %d stages", n)
		}
		r := e.decide("boss", id, tag, "intake", "approve", "")
		wantProblem(t, r, 403, "separation_of_duties")
		if !strings.Contains(string(r.Body), "administrators never decide requests") {
			t.Errorf("the refusal: %s", r.Body)
		}
		wantProblem(t, e.do("boss", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}),
			422, "invalid", "role")
		if got := e.refusals(id); !slices.Equal(got, []string{"boss"}) {
			t.Errorf("refused attempts by %v, want boss", got)
		}
		got := e.do("hns", http.MethodGet, "/api/v1/requests/"+id, nil)
		if got.Header.Get("ETag") != tag || stageStatuses(t, got)["intake"] != "active" {
			t.Fatalf("the request changed: %s", got.Body)
		}
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), 200)
	})
}

// TestLegacyAdministratorDelegatesNothing: an account stored with admin
// beside hns_officer (before the rule) may not create a delegation (422 at
// role, nothing stored), and one it gave before the rule gives its
// delegate nothing: listed as not active with inactive_reason
// delegator_admin, to the administrator and the delegate alike, no stage in
// the delegate's queue, and a decision by it refused as by anyone without
// the role (403). A delegation of the same role from hns, given after
// it, gives range the stage, which it decides acting for hns.
func TestLegacyAdministratorDelegatesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.storeUnchecked("boss", domain.RoleAdmin, domain.RoleHNS)
		id, tag := e.submitted(draft())

		r := e.do("boss", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"})
		wantProblem(t, r, 422, "invalid", "role")
		if !strings.Contains(string(r.Body), "administrators never decide, not through a delegate either") {
			t.Errorf("the refusal: %s", r.Body)
		}
		if n := len(e.do("admin", http.MethodGet, "/api/v1/delegations", nil).JSON(t)["items"].([]any)); n != 0 {
			t.Fatalf("%d delegations stored", n)
		}

		// One given before the rule.
		now := e.clock().UTC()
		old := domain.Delegation{ID: "00000000-0000-7000-8000-000000000001", From: "boss", To: "range", Role: domain.RoleHNS,
			Starts: now.Add(-time.Hour), Ends: now.Add(7 * 24 * time.Hour), CreatedAt: now.Add(-time.Hour)}
		if err := e.db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateDelegation(&old) }); err != nil {
			t.Fatal(err)
		}
		for _, as := range []string{"admin", "range", "boss"} {
			items := e.do(as, http.MethodGet, "/api/v1/delegations", nil).JSON(t)["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("%s lists %d delegations", as, len(items))
			}
			if m := items[0].(map[string]any); m["active"] != false || m["inactive_reason"] != "delegator_admin" {
				t.Errorf("%s's list: %v", as, m)
			}
		}
		if n := e.queueLen("range", "hns_officer"); n != 0 {
			t.Fatalf("the administrator's delegate's queue holds %d intake stages", n)
		}
		wantProblem(t, e.decide("range", id, tag, "intake", "approve", ""), 403, "forbidden")

		want(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), 201)
		if n := e.queueLen("range", "hns_officer"); n != 1 {
			t.Fatalf("the approver's delegate's queue holds %d intake stages, want 1", n)
		}
		r = e.decide("range", id, tag, "intake", "approve", "")
		want(t, r, 200)
		stage := r.JSON(t)["route"].(map[string]any)["stages"].([]any)[0].(map[string]any)
		if dec := stage["decisions"].([]any)[0].(map[string]any); dec["by"] != "range" || dec["acting_for"] != "hns" {
			t.Fatalf("decision = %v", dec)
		}
	})
}
