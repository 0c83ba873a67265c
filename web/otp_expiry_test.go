package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// TestConsoleOneTimePasswordExpires: the administrator's page of a new
// account says until when its one-time password signs in, and the account's
// page says so afterwards; past that, the sign-in page tells the holder of
// the right one-time password to ask an administrator for a new one, while
// a wrong password still gets "Wrong username or password", and one
// signed in before the expiry cannot give it as the old password after.
func TestConsoleOneTimePasswordExpires(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin := e.client().signIn("admin")
	created := admin.follow(admin.post("/admin/users/new", url.Values{"username": {"lo-fi"}, "roles": {"liaison_officer"}, "nation": {"FI"}}))
	otp := strings.TrimSpace(created.Doc.Find(".otp code").Text())
	until := stockholmTime(testNow.Add(domain.OneTimePasswordTTL)) // 2026-11-26 10:00 CET (Stockholm)
	if created.Status != http.StatusOK || otp == "" || !strings.Contains(created.Doc.Find(".otp .otp-expires").Text(), until) {
		t.Fatalf("create: %d; the one-time password's box says %q, want the expiry %s", created.Status, created.Doc.Find(".otp").Text(), until)
	}
	userPath := strings.TrimSuffix(created.Doc.Find(`form[action$="/reset-password"]`).AttrOr("action", ""), "/reset-password")
	if got := admin.get(userPath).Doc.Find("#otp-until").Text(); got != until {
		t.Errorf("the account's page: valid until %q, want %q", got, until)
	}

	e.clock = func() time.Time { return testNow.Add(domain.OneTimePasswordTTL) }
	wrong := e.client().post("/sign-in", url.Values{"username": {"lo-fi"}, "password": {"not the password"}})
	if wrong.Status != http.StatusUnauthorized || !strings.Contains(wrong.Doc.Find(".error-summary").Text(), "Wrong username or password") {
		t.Fatalf("a wrong password after the expiry: %d %q", wrong.Status, wrong.Doc.Find(".error-summary").Text())
	}
	expired := e.client().post("/sign-in", url.Values{"username": {"lo-fi"}, "password": {otp}})
	if msg := expired.Doc.Find(".error-summary").Text(); expired.Status != http.StatusUnauthorized ||
		!strings.Contains(msg, "one-time password has expired. Ask an administrator for a new one.") || strings.Contains(msg, "Wrong username") {
		t.Fatalf("the right one-time password after the expiry: %d %q", expired.Status, msg)
	}
	if u, _ := e.db.GetUserByUsername(context.Background(), "lo-fi"); u.FailedSignIns != 2 {
		t.Errorf("failed sign-ins counted: %d, want 2", u.FailedSignIns)
	}
	admin = e.client().signIn("admin") // the first session ended after 8 hours
	if got := admin.get(userPath).Doc.Find("#otp-until").Text(); got != until+" (one-time password expired)" {
		t.Errorf("the account's page after the expiry: %q", got)
	}
	if row := admin.get("/admin/users?role=liaison_officer").Doc.Find(`tr:has(a[href="` + userPath + `"])`).Text(); !strings.Contains(row, "must choose a new password (one-time password expired)") {
		t.Errorf("the users list: %q", row)
	}
	reset := admin.follow(admin.post(userPath+"/reset-password", url.Values{"reason": {"expired"}, "confirm": {confirmYes}}))
	otp2 := strings.TrimSpace(reset.Doc.Find(".otp code").Text())
	if until2 := stockholmTime(testNow.Add(2 * domain.OneTimePasswordTTL)); !strings.Contains(reset.Doc.Find(".otp .otp-expires").Text(), until2) {
		t.Fatalf("reset: the box says %q, want the expiry %s", reset.Doc.Find(".otp").Text(), until2)
	}
	// Signed in an hour before its expiry, the holder is still choosing a
	// password when it expires: the page refuses it as the old password.
	e.clock = func() time.Time { return testNow.Add(2*domain.OneTimePasswordTTL - time.Hour) }
	holder := e.client()
	if p := holder.post("/sign-in", url.Values{"username": {"lo-fi"}, "password": {otp2}}); p.Header.Get("Location") != pathPassword {
		t.Fatalf("the new one-time password: %d to %q", p.Status, p.Header.Get("Location"))
	}
	wantStatus(t, holder.get(pathPassword), http.StatusOK) // its form's token
	e.clock = func() time.Time { return testNow.Add(2 * domain.OneTimePasswordTTL) }
	late := holder.post(pathPassword, url.Values{"old_password": {otp2}, "new_password": {"granite lantern harbour"}, "repeat_password": {"granite lantern harbour"}})
	if got := late.Doc.Find(".error-summary a[href='#" + fieldID("old_password") + "']").Text(); late.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(got, "has expired; ask an administrator for a new one-time password") {
		t.Fatalf("the password change after the expiry: %d %q", late.Status, got)
	}
}
