package api

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// TestOneTimePasswordExpires: creation and reset answer when the one-time
// password expires; past it, the right one-time password is refused with
// "expired, ask an administrator" while a wrong one gets the answer of a
// wrong password; both count as failed sign-ins, and so does the expired
// one given as the old password of a change begun before the expiry. A
// reset gives a new one; changing the password clears the expiry.
func TestOneTimePasswordExpires(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		r := e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{"username": "ops-new", "roles": []string{"operations_approver"}})
		want(t, r, 201)
		created := r.JSON(t)
		otp, expires := created["one_time_password"].(string), testNow.Add(domain.OneTimePasswordTTL).Format(time.RFC3339)
		if created["one_time_password_expires_at"] != expires || created["user"].(map[string]any)["one_time_password_expires_at"] != expires {
			t.Fatalf("creation answers %s; want the expiry %s", r.Body, expires)
		}
		want(t, e.signIn("otp", "ops-new", otp), 200) // in time

		e.clock = func() time.Time { return testNow.Add(domain.OneTimePasswordTTL) }
		wrong := e.signIn("x", "ops-new", "not the password")
		wantProblem(t, wrong, 401, "unauthorized")
		if d := wrong.JSON(t)["detail"]; d != "wrong username or password" {
			t.Errorf("a wrong password after the expiry: %q", d)
		}
		expired := e.signIn("x", "ops-new", otp)
		wantProblem(t, expired, 401, "unauthorized")
		if d, _ := expired.JSON(t)["detail"].(string); !strings.Contains(d, "one-time password has expired; ask an administrator for a new one") {
			t.Errorf("the right one-time password after the expiry: %q", d)
		}
		change := e.do("otp", http.MethodPost, "/api/v1/me/password", map[string]any{"old_password": otp, "new_password": "granite lantern harbour"})
		wantProblem(t, change, 422, "invalid", "old_password")
		if got := fieldMessage(t, change, "old_password"); !strings.Contains(got, "expired") {
			t.Errorf("a change with the expired one-time password: %q", got)
		}
		if u, err := e.db.GetUserByUsername(context.Background(), "ops-new"); err != nil || u.FailedSignIns != 3 || !u.MustChangePassword {
			t.Fatalf("after a wrong password, the expired one and the change: %+v, %v; want 3 failures counted", u, err)
		}
		id, _ := e.userID("ops-new")
		if u := e.do("admin", http.MethodGet, "/api/v1/users/"+id, nil).JSON(t); u["one_time_password_expires_at"] != expires {
			t.Errorf("the account shows %v, want the expiry %s", u["one_time_password_expires_at"], expires)
		}

		r = e.do("admin", http.MethodPost, "/api/v1/users/"+id+"/reset-password", map[string]any{"reason": "expired"})
		want(t, r, 200)
		reset := r.JSON(t)
		otp2, expires2 := reset["one_time_password"].(string), testNow.Add(2*domain.OneTimePasswordTTL).Format(time.RFC3339)
		if reset["one_time_password_expires_at"] != expires2 {
			t.Fatalf("reset answers %s; want the expiry %s", r.Body, expires2)
		}
		want(t, e.signIn("otp", "ops-new", otp2), 200)
		want(t, e.do("otp", http.MethodPost, "/api/v1/me/password", map[string]any{"old_password": otp2, "new_password": "granite lantern harbour"}), 200)
		if u := e.do("admin", http.MethodGet, "/api/v1/users/"+id, nil).JSON(t); u["one_time_password_expires_at"] != nil || u["must_change_password"] != false {
			t.Errorf("after the change: %v", u)
		}
		// Its own password never expires.
		e.clock = func() time.Time { return testNow.Add(10 * domain.OneTimePasswordTTL) }
		want(t, e.signIn("x", "ops-new", "granite lantern harbour"), 200)

		log := e.auditText()
		for _, secret := range []string{otp, otp2, "$argon2id"} {
			if strings.Contains(log, secret) {
				t.Errorf("the audit log holds %q", secret)
			}
		}
		for action, at := range map[string]string{"user.created": expires, "user.password_reset": expires2} {
			if !strings.Contains(log, `"action":"`+action+`"`) || !strings.Contains(log, `"one_time_password_expires_at":"`+at+`"`) {
				t.Errorf("the %s entry does not record the expiry %s:\n%s", action, at, log)
			}
		}
	})
}
