package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// TestHostNationIsNoSendingNation: Sweden is the host nation, so no
// liaison officer is bound to it and no framework agreement is made with
// it (422 naming nation, saying why); nothing is stored. An agreement
// stored with Sweden before the rule keeps its nation through a change
// that leaves it (it can still be suspended).
func TestHostNationIsNoSendingNation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "lo-se", "roles": []string{"liaison_officer"}, "nation": "se"})
		wantProblem(t, r, 422, "invalid", "nation")
		if !strings.Contains(string(r.Body), domain.HostNationRefusal) {
			t.Errorf("create: %s", r.Body)
		}
		if _, err := e.db.GetUserByUsername(context.Background(), "lo-se"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("lo-se stored: %v", err)
		}
		id, tag := e.userID("lo-no")
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"nation": "SE"}, "If-Match", tag), 422, "invalid", "nation")

		fw := norwayFramework()
		fw["nation"], fw["reference"] = "SE", "FA-SE-1"
		r = e.do("admin", http.MethodPost, "/api/v1/frameworks", fw)
		wantProblem(t, r, 422, "invalid", "nation")
		if !strings.Contains(string(r.Body), domain.HostNationRefusal) {
			t.Errorf("framework: %s", r.Body)
		}
		no := e.createFramework(norwayFramework())
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+no, map[string]any{"nation": "SE"}, "If-Match", `"1"`), 422, "invalid", "nation")

		// One stored before the rule.
		now := e.clock().UTC()
		legacy := &domain.Framework{ID: "legacy-se", Version: 1, CreatedAt: now, UpdatedAt: now, FrameworkTerms: domain.FrameworkTerms{
			Nation: "SE", Name: "Old", Reference: "FA-SE-0", ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
			ValidUntil: time.Date(2027, 12, 31, 0, 0, 0, 0, time.UTC), TrainingAreas: []string{"kilen"}, PersonnelCeiling: 10}}
		if err := e.db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateFramework(legacy) }); err != nil {
			t.Fatal(err)
		}
		want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/legacy-se", map[string]any{"suspended": true}, "If-Match", `"1"`), 200)
	})
}

// TestListedTwice: a role, training area or entry point listed twice is
// refused at the repeat (not stored twice), and a liaison officer listed
// twice is not told it holds another role.
func TestListedTwice(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "aud2", "roles": []string{"auditor", "auditor"}})
		wantProblem(t, r, 422, "invalid", "roles[1]")
		if !strings.Contains(string(r.Body), "listed twice") {
			t.Errorf("roles: %s", r.Body)
		}
		r = e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "lo-x", "roles": []string{"liaison_officer", "liaison_officer"}, "nation": "NO"})
		wantProblem(t, r, 422, "invalid", "roles[1]")
		if strings.Contains(string(r.Body), "holds no other role") {
			t.Errorf("liaison officer twice: %s", r.Body)
		}
		id, tag := e.userID("auditor")
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"roles": []string{"auditor", "auditor"}}, "If-Match", tag),
			422, "invalid", "roles[1]")

		fw := norwayFramework()
		fw["training_areas"], fw["entry_points"] = []any{"kilen", "kilen"}, []any{"storlien", "storlien"}
		r = e.do("admin", http.MethodPost, "/api/v1/frameworks", fw)
		wantProblem(t, r, 422, "invalid", "training_areas[1]", "entry_points[1]")
	})
}

// TestFrameworkReferenceOncePerNation: a nation's agreements each have
// their own reference (case aside), on creation and change; another
// nation may use the same one, and an agreement keeps its own through a
// change.
func TestFrameworkReferenceOncePerNation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := e.createFramework(norwayFramework())
		again := norwayFramework()
		again["name"], again["reference"] = "Another", " fa-no-2026-01"
		r := e.do("admin", http.MethodPost, "/api/v1/frameworks", again)
		wantProblem(t, r, 422, "invalid", "reference")
		if !strings.Contains(string(r.Body), "FA-NO-2026-01") && !strings.Contains(string(r.Body), "fa-no-2026-01") {
			t.Errorf("reference: %s", r.Body)
		}
		if fws, err := e.db.ListFrameworks(context.Background(), "NO"); err != nil || len(fws) != 1 {
			t.Fatalf("stored: %d, %v", len(fws), err)
		}
		other := norwayFramework()
		other["nation"] = "DE"
		e.createFramework(other)
		second := norwayFramework()
		second["reference"] = "FA-NO-2026-02"
		id := e.createFramework(second)
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+id, map[string]any{"reference": "FA-NO-2026-01"}, "If-Match", `"1"`),
			422, "invalid", "reference")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+first, map[string]any{"suspended": true, "reference": "fa-no-2026-01"}, "If-Match", `"1"`), 200)
	})
}

// TestAccountChangeNamesEveryField: a change with a bad reason names the
// reason and every other bad field, not the reason alone.
func TestAccountChangeNamesEveryField(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.userID("auditor")
		r := e.do("admin", http.MethodPatch, "/api/v1/users/"+id,
			map[string]any{"email": "a@", "roles": []string{"king"}, "reason": "x\u202ey"}, "If-Match", tag)
		wantProblem(t, r, 422, "invalid", "reason", "roles[0]", "email")
	})
}

// TestNobodyResetsTheirOwnPassword: an administrator's reset of their own
// password is refused (403, saying how to change it instead): it would end
// their own tokens and, with the answer lost, lock them out. Nothing is
// stored or audited and their token keeps working; another
// administrator's account is reset as before.
func TestNobodyResetsTheirOwnPassword(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		adminID, _ := e.userID("admin")
		before, err := e.db.GetUserByUsername(context.Background(), "admin")
		if err != nil {
			t.Fatal(err)
		}
		size := e.auditSize()
		r := e.do("admin", http.MethodPost, "/api/v1/users/"+adminID+"/reset-password", map[string]any{"reason": "forgot"})
		wantProblem(t, r, 403, "forbidden")
		if !strings.Contains(string(r.Body), "nobody resets their own password") || !strings.Contains(string(r.Body), "/api/v1/me/password") {
			t.Errorf("own reset: %s", r.Body)
		}
		if n := e.auditSize(); n != size {
			t.Fatalf("the audit log grew by %d", n-size)
		}
		after, err := e.db.GetUserByUsername(context.Background(), "admin")
		if err != nil || after.PasswordHash != before.PasswordHash || after.Generation != before.Generation || after.MustChangePassword {
			t.Fatalf("admin after the refused reset: %+v, %v", after, err)
		}
		want(t, e.do("admin", http.MethodGet, "/api/v1/users/"+adminID, nil), http.StatusOK)
		opsID, _ := e.userID("ops")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+opsID+"/reset-password", map[string]any{}), http.StatusOK)
	})
}

// TestNobodyDisablesThemselves: an administrator's disabling of their own
// account is refused (403) even with another administrator enabled;
// another administrator may.
func TestNobodyDisablesThemselves(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "admin2", "roles": []string{"admin"}}), http.StatusCreated)
		adminID, _ := e.userID("admin")
		size := e.auditSize()
		r := e.do("admin", http.MethodPost, "/api/v1/users/"+adminID+"/disable", map[string]any{"reason": "leaving"})
		wantProblem(t, r, 403, "forbidden")
		if !strings.Contains(string(r.Body), "another administrator must") {
			t.Errorf("own disable: %s", r.Body)
		}
		if n := e.auditSize(); n != size {
			t.Fatalf("the audit log grew by %d", n-size)
		}
		if u, err := e.db.GetUserByUsername(context.Background(), "admin"); err != nil || u.Disabled() {
			t.Fatalf("admin: %v, %v", u, err)
		}
	})
}
