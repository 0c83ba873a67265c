package api

import (
	"net/http"
	"testing"
)

// auditSize is the number of entries in the audit log.
func (e *env) auditSize() int64 {
	e.t.Helper()
	n, err := e.db.AuditTreeSize(e.t.Context())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// TestAccountPatchWithoutChange: a PATCH of an account that carries only a
// reason, or values equal to the current ones, is no change: 200 with the
// account as it is and its ETag unchanged, no audit entry, and the
// account's tokens keep working (the review found that it ended every
// session of the user and audited a user.updated that changed nothing).
// A real change still moves the ETag, audits, and ends the sessions.
func TestAccountPatchWithoutChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.userID("hns")
		size := e.auditSize()
		for _, body := range []map[string]any{
			{"reason": "checked the account"},
			{"roles": []string{"hns_officer"}, "reason": "the same role"},
			{"email": "", "nation": ""},
			{},
		} {
			r := e.do("admin", http.MethodPatch, "/api/v1/users/"+id, body, "If-Match", tag)
			want(t, r, http.StatusOK)
			if got := r.Header.Get("ETag"); got != tag {
				t.Errorf("%v: ETag %s, want %s unchanged", body, got, tag)
			}
			if n := e.auditSize(); n != size {
				t.Errorf("%v: %d audit entries written", body, n-size)
			}
			want(t, e.do("hns", http.MethodGet, "/api/v1/queue", nil), http.StatusOK)
		}
		// A stale ETag is still refused, change or none.
		wantProblem(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"reason": "x"}, "If-Match", `"9"`),
			http.StatusPreconditionFailed, "precondition_failed")

		r := e.do("admin", http.MethodPatch, "/api/v1/users/"+id, map[string]any{"roles": []string{"hns_officer", "ministry"}}, "If-Match", tag)
		want(t, r, http.StatusOK)
		if r.Header.Get("ETag") == tag || e.auditSize() != size+1 {
			t.Errorf("a change of roles: ETag %s (was %s), %d audit entries", r.Header.Get("ETag"), tag, e.auditSize()-size)
		}
		wantProblem(t, e.do("hns", http.MethodGet, "/api/v1/queue", nil), http.StatusUnauthorized, "unauthorized")
	})
}

// TestFrameworkAndAreaPatchWithoutChange: a merge patch of a framework
// agreement or a training area that leaves every value as it is answers
// the same version and writes no audit entry; a change moves both on.
func TestFrameworkAndAreaPatchWithoutChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		fw := e.createFramework(norwayFramework())
		path := "/api/v1/frameworks/" + fw
		tag := e.do("admin", http.MethodGet, path, nil).Header.Get("ETag")
		size := e.auditSize()
		for _, body := range []map[string]any{{}, {"personnel_ceiling": 800}, {"training_areas": norwayFramework()["training_areas"]}} {
			r := e.do("admin", http.MethodPatch, path, body, "If-Match", tag)
			want(t, r, http.StatusOK)
			if got := r.Header.Get("ETag"); got != tag || e.auditSize() != size {
				t.Errorf("framework %v: ETag %s (was %s), %d audit entries", body, got, tag, e.auditSize()-size)
			}
		}
		r := e.do("admin", http.MethodPatch, path, map[string]any{"personnel_ceiling": 900}, "If-Match", tag)
		want(t, r, http.StatusOK)
		if r.Header.Get("ETag") == tag || e.auditSize() != size+1 {
			t.Errorf("a change of the ceiling: ETag %s (was %s), %d audit entries", r.Header.Get("ETag"), tag, e.auditSize()-size)
		}

		area := e.do("admin", http.MethodGet, "/api/v1/training-areas/kilen", nil)
		tag, size = area.Header.Get("ETag"), e.auditSize()
		capacity := area.JSON(t)["capacity_personnel"]
		for _, body := range []map[string]any{{}, {"capacity_personnel": capacity}} {
			r := e.do("admin", http.MethodPatch, "/api/v1/training-areas/kilen", body, "If-Match", tag)
			want(t, r, http.StatusOK)
			if got := r.Header.Get("ETag"); got != tag || e.auditSize() != size {
				t.Errorf("area %v: ETag %s (was %s), %d audit entries", body, got, tag, e.auditSize()-size)
			}
		}
		r = e.do("admin", http.MethodPatch, "/api/v1/training-areas/kilen", map[string]any{"blackout_days": []string{"2027-06-06"}}, "If-Match", tag)
		want(t, r, http.StatusOK)
		if r.Header.Get("ETag") == tag || e.auditSize() != size+1 {
			t.Errorf("a blackout day added: ETag %s (was %s), %d audit entries", r.Header.Get("ETag"), tag, e.auditSize()-size)
		}
	})
}
