package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/api/auth"
	"exaccess/domain"
)

// TestOneTimePassword: a user whose password an administrator reset signs in
// only to "choose a new password"; every other page sends them there; the
// API's password rules apply; once changed, the console opens and the old
// one-time password no longer signs in. A weak new password is refused
// with its reason ("password1234": a common one with digits added).
func TestOneTimePassword(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ctx := context.Background()
	const otp = "one-time secret 4711"
	hash, err := auth.HashPassword(otp)
	if err != nil {
		t.Fatal(err)
	}
	u, err := e.db.GetUserByUsername(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.accounts.ResetPassword(ctx, "admin", u.ID, hash, "forgotten"); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	p := c.post("/sign-in", url.Values{"username": {"ops"}, "password": {otp}, "next": {"/queue"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != pathPassword {
		t.Fatalf("sign-in with a one-time password: %d to %q", p.Status, p.Header.Get("Location"))
	}
	for _, path := range []string{"/", "/queue", "/requests"} {
		if p := c.get(path); p.Status != http.StatusSeeOther || p.Header.Get("Location") != pathPassword {
			t.Fatalf("%s before the password is changed: %d to %q", path, p.Status, p.Header.Get("Location"))
		}
	}
	wantStatus(t, c.get(pathPassword), http.StatusOK)
	cases := []struct{ old, neu, field, want string }{
		{"", "a long enough new one", "old_password", "is required"},
		{otp, "short", "new_password", "at least 12 characters"},
		{otp, "1qaz2wsx3edc", "new_password", "most common passwords"},
		{otp, "password1234", "new_password", "is a common password with digits or symbols added"},
		{otp, "123456789012", "new_password", "is a keyboard pattern or a run of consecutive or repeated characters"},
		{otp, "exaccess-2026-spring", "new_password", "must not contain the name of this service"},
		{otp, otp, "new_password", "must differ"},
		{"wrong old password", "a long enough new one", "old_password", "is not your current password"},
	}
	for _, tc := range cases {
		p := c.post(pathPassword, url.Values{"old_password": {tc.old}, "new_password": {tc.neu}, "repeat_password": {tc.neu}})
		got := p.Doc.Find(".error-summary a[href='#" + fieldID(tc.field) + "']").Text()
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(got, tc.want) {
			t.Fatalf("old %q new %q: %d, summary %q; want %q on %s", tc.old, tc.neu, p.Status, got, tc.want, tc.field)
		}
	}
	after, _ := e.db.GetUserByUsername(ctx, "ops")
	if after.FailedSignIns != 1 {
		t.Fatalf("a wrong old password counted %d failures, want 1", after.FailedSignIns)
	}
	p = c.post(pathPassword, url.Values{"old_password": {otp}, "new_password": {"my own new password"}, "repeat_password": {"my own new password"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("a good change: %d", p.Status)
	}
	home := c.get(p.Header.Get("Location"))
	if home.Status != http.StatusOK || !strings.Contains(home.Doc.Find(".notice").Text(), "password has been changed") {
		t.Fatalf("home after the change: %d %q", home.Status, home.Doc.Find(".notice").Text())
	}
	wantStatus(t, c.get("/queue"), http.StatusOK)
	if p := e.client().post("/sign-in", url.Values{"username": {"ops"}, "password": {otp}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("the one-time password after the change: %d", p.Status)
	}
	e.client().signInWith("ops", "my own new password")
}

// TestPasswordChangeEndsOtherSessions: changing one's password moves the
// account's generation on, so the other browser's session ends.
func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a, b := e.client().signIn("hns"), e.client().signIn("hns")
	p := a.post(pathPassword, url.Values{"old_password": {testPassword}, "new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrase"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change: %d", p.Status)
	}
	wantStatus(t, a.get("/queue"), http.StatusOK)
	if p := b.get("/queue"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/sign-in") {
		t.Fatalf("the other session after a password change: %d", p.Status)
	}
}

// TestConsoleSignInLocksAccount: failed console sign-ins count towards the
// account's lock, as the API's do; a locked account's right password gets
// the wrong-password answer.
func TestConsoleSignInLocksAccount(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	c := e.client()
	for range domain.MaxFailedSignIns {
		if p := c.post("/sign-in", url.Values{"username": {"range"}, "password": {"a wrong guess"}}); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password: %d", p.Status)
		}
	}
	u, _ := e.db.GetUserByUsername(context.Background(), "range")
	if !u.Locked(testNow) {
		t.Fatalf("after %d failures the account is not locked: %+v", domain.MaxFailedSignIns, u.LockedUntil)
	}
	p := c.post("/sign-in", url.Values{"username": {"range"}, "password": {testPassword}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Doc.Find(".error-summary").Text(), "Wrong username or password") {
		t.Fatalf("the right password of a locked account: %d", p.Status)
	}
}

// TestPasswordNotTheEmail: the console's password page refuses a new
// password that contains the account's e-mail address (here the first
// label of its domain) with that reason, as the API does.
func TestPasswordNotTheEmail(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ctx := context.Background()
	u, err := e.db.GetUserByUsername(ctx, "hns")
	if err != nil {
		t.Fatal(err)
	}
	email := "anna.berg@forsvarsmakten.se"
	if _, err := e.accounts.Change(ctx, "admin", u.ID, u.Version, domain.UserChange{Email: &email}); err != nil {
		t.Fatal(err)
	}
	c := e.client().signIn("hns")
	p := c.post(pathPassword, url.Values{"old_password": {testPassword}, "new_password": {"Forsvarsmakten rocks 27"}, "repeat_password": {"Forsvarsmakten rocks 27"}})
	got := p.Doc.Find(".error-summary a[href='#" + fieldID("new_password") + "']").Text()
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(got, "must not contain the e-mail address") {
		t.Fatalf("a password with the address's domain: %d, summary %q", p.Status, got)
	}
	if p := c.post(pathPassword, url.Values{"old_password": {testPassword}, "new_password": {"granite lantern harbour"}, "repeat_password": {"granite lantern harbour"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a good change: %d", p.Status)
	}
}

// TestConsolePasswordChangeHonoursTheLock: wrong old passwords on the
// console's password form lock the account, and while it is locked the
// right old password is refused with the reason at the field.
func TestConsolePasswordChangeHonoursTheLock(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	c := e.client().signIn("hns")
	for range domain.MaxFailedSignIns {
		if p := c.post(pathPassword, url.Values{"old_password": {"not the password"}, "new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrase"}}); p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("a wrong old password: %d", p.Status)
		}
	}
	p := c.post(pathPassword, url.Values{"old_password": {testPassword}, "new_password": {"a brand new passphrase"}, "repeat_password": {"a brand new passphrase"}})
	if got := p.Doc.Find(".error-summary").Text(); p.Status != http.StatusUnprocessableEntity || !strings.Contains(got, "locked") {
		t.Fatalf("the right old password while locked: %d %q", p.Status, got)
	}
	if p := e.client().post("/sign-in", url.Values{"username": {"hns"}, "password": {"a brand new passphrase"}}); p.Status != http.StatusUnauthorized {
		t.Fatalf("the new password signs in: %d", p.Status)
	}
}

// TestPasswordRepeated: the new password is typed twice; when the two
// differ the page says so at the repeat field and nothing changes (the
// old password still signs in), in the forced change after a one-time
// password as in a user's own.
func TestPasswordRepeated(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		const otp = "one-time secret 4711"
		hash, err := auth.HashPassword(otp)
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.db.GetUserByUsername(ctx, "ops")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.accounts.ResetPassword(ctx, "admin", u.ID, hash, "forgotten"); err != nil {
			t.Fatal(err)
		}
		forced := e.client()
		if p := forced.post("/sign-in", url.Values{"username": {"ops"}, "password": {otp}}); p.Header.Get("Location") != pathPassword {
			t.Fatalf("sign-in with a one-time password: %d to %q", p.Status, p.Header.Get("Location"))
		}
		own := e.client().signIn("hns")
		for _, tc := range []struct {
			name, who, old string
			c              *client
		}{{"forced", "ops", otp, forced}, {"own", "hns", testPassword, own}} {
			before, err := e.db.GetUserByUsername(ctx, tc.who)
			if err != nil {
				t.Fatal(err)
			}
			if n := tc.c.get(pathPassword).Doc.Find("input#" + fieldID("repeat_password") + "[type=password]").Length(); n != 1 {
				t.Fatalf("%s: %d repeat fields", tc.name, n)
			}
			p := tc.c.post(pathPassword, url.Values{"old_password": {tc.old}, "new_password": {"granite lantern harbour"},
				"repeat_password": {"granite lantern harbor"}})
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("%s: a mistyped repeat: %d", tc.name, p.Status)
			}
			if got := p.Doc.Find("#" + fieldID("repeat_password") + "-error").Text(); !strings.Contains(got, "does not match the new password") {
				t.Errorf("%s: the repeat field's error is %q", tc.name, got)
			}
			if got := summary(p); len(got) != 1 || got[0] != "Repeat the new password: does not match the new password" {
				t.Errorf("%s: the summary says %q", tc.name, got)
			}
			after, err := e.db.GetUserByUsername(ctx, tc.who)
			if err != nil {
				t.Fatal(err)
			}
			if after.PasswordHash != before.PasswordHash || after.Generation != before.Generation || after.MustChangePassword != before.MustChangePassword {
				t.Errorf("%s: a mistyped repeat changed the account", tc.name)
			}
		}
	})
}
