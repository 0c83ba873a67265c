package api

import (
	"net/http"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/apptest"
)

// TestPasswordChangeHonoursTheLock: wrong old passwords on
// /me/password lock the account as failed sign-ins do, and while it is
// locked the right old password changes nothing either — a stolen token
// cannot go on guessing through this route. Sign-in stays refused.
func TestPasswordChangeHonoursTheLock(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		change := func(old string) resp {
			return e.do("lo-de", http.MethodPost, "/api/v1/me/password",
				map[string]any{"old_password": old, "new_password": "granite lantern harbour"})
		}
		for range domain.MaxFailedSignIns {
			wantProblem(t, change("not the password"), 422, "invalid", "old_password")
		}
		r := change(apptest.Password)
		wantProblem(t, r, 422, "invalid", "old_password")
		if got := fieldMessage(t, r, "old_password"); !strings.Contains(got, "locked") {
			t.Errorf("the right old password while locked: %q", got)
		}
		want(t, e.signIn("again", "lo-de", apptest.Password), 401)
		want(t, e.signIn("new", "lo-de", "granite lantern harbour"), 401)
	})
}
