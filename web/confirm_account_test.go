package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestAccountActionsAreConfirmed: resetting a password and disabling an
// account first ask, on the confirmation page, naming the account and
// saying what happens; the first press changes nothing (the user's
// session goes on, the password stays). What the action would refuse is
// refused before asking, at its form's reason: a reason too long, a
// disable without one, disabling an account already disabled, or
// disabling one's own account (403). Confirmed, each acts as before; enabling
// acts at once.
func TestAccountActionsAreConfirmed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		admin := e.client().signIn("admin")
		ops := e.client().signIn("ops")
		opsID := e.userID("ops")
		opsPath := "/admin/users/" + opsID
		stillSignedIn := func(what string) {
			t.Helper()
			if p := ops.get("/queue"); p.Status != http.StatusOK {
				t.Fatalf("after %s, ops's session: %d %q", what, p.Status, p.Header.Get("Location"))
			}
			u, err := e.accounts.Get(ctx, opsID)
			if err != nil || u.MustChangePassword || u.Disabled() {
				t.Fatalf("after %s the account changed: %+v %v", what, u, err)
			}
		}

		ask := admin.post(opsPath+"/reset-password", url.Values{"reason": {"forgotten"}})
		wantStatus(t, ask, http.StatusOK)
		if got := strings.TrimSpace(ask.Doc.Find("main h1").Text()); got != "Reset the password of ops?" {
			t.Errorf("reset question %q", got)
		}
		if got := spacedText(ask.Doc.Find("main")); !strings.Contains(got, "Their current password stops working and their sessions end; you will be shown a one-time password to give them.") ||
			!strings.Contains(got, "forgotten") || !strings.Contains(got, "This cannot be undone.") {
			t.Errorf("reset confirmation page: %s", got)
		}
		form := ask.Doc.Find(`main form[action="` + opsPath + `/reset-password"]`)
		if form.Find(`input[name="confirm"]`).AttrOr("value", "") != confirmYes || form.Find(`input[name="reason"]`).AttrOr("value", "") != "forgotten" ||
			form.Find(`input[name="csrf"]`).Length() != 1 || ask.Doc.Find(`main a[href="`+opsPath+`"]`).Length() != 1 {
			h, _ := form.Html()
			t.Errorf("the reset confirmation's form: %s", h)
		}
		stillSignedIn("a first press of Reset password")

		long := admin.post(opsPath+"/reset-password", url.Values{"reason": {strings.Repeat("r", 501)}})
		wantStatus(t, long, http.StatusUnprocessableEntity)
		noConfirm(t, long, "a reset with a reason too long")
		wantTiedError(t, long, "#f-reset-reason", "")

		ask = admin.post(opsPath+"/disable", url.Values{"reason": {"left the unit"}})
		wantStatus(t, ask, http.StatusOK)
		if got := strings.TrimSpace(ask.Doc.Find("main h1").Text()); got != "Disable the account of ops?" {
			t.Errorf("disable question %q", got)
		}
		if got := spacedText(ask.Doc.Find("main")); !strings.Contains(got, "They are signed out at once and cannot sign in until an administrator enables the account again.") ||
			strings.Contains(got, "cannot be undone") {
			t.Errorf("disable confirmation page: %s", got)
		}
		if ask.Doc.Find(`main form[action="`+opsPath+`/disable"] input[name="confirm"]`).AttrOr("value", "") != confirmYes {
			t.Error("the disable confirmation posts no confirm=yes to the disable address")
		}
		stillSignedIn("a first press of Disable")

		noReason := admin.post(opsPath+"/disable", url.Values{"reason": {""}})
		wantStatus(t, noReason, http.StatusUnprocessableEntity)
		noConfirm(t, noReason, "a disable without a reason")
		wantTiedError(t, noReason, "#f-reason", "is required")
		self := admin.post("/admin/users/"+e.userID("admin")+"/disable", url.Values{"reason": {"leaving"}})
		noConfirm(t, self, "disabling one's own account")
		if self.Status != http.StatusForbidden || !strings.Contains(self.Doc.Find("main").Text(), "another administrator must") {
			t.Errorf("disabling one's own account: %d %s", self.Status, self.Doc.Find("main").Text())
		}

		// Confirmed: it acts.
		if p := admin.post(opsPath+"/disable", url.Values{"reason": {"left the unit"}, "confirm": {confirmYes}}); p.Status != http.StatusSeeOther {
			t.Fatalf("confirmed disable: %d", p.Status)
		}
		if p := ops.get("/queue"); p.Status != http.StatusSeeOther {
			t.Fatalf("a disabled user's next click: %d", p.Status)
		}
		again := admin.post(opsPath+"/disable", url.Values{"reason": {"twice"}})
		noConfirm(t, again, "disabling a disabled account")
		if !strings.Contains(again.Doc.Find(".error-summary").Text(), "already disabled") {
			t.Errorf("disabling a disabled account: %d %s", again.Status, again.Doc.Find(".error-summary").Text())
		}
		if p := admin.post(opsPath+"/enable", url.Values{"reason": {"back"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("enable, at once: %d", p.Status)
		}
		reset := admin.follow(admin.post(opsPath+"/reset-password", url.Values{"reason": {"forgotten"}, "confirm": {confirmYes}}))
		if otp := reset.Doc.Find(".otp code").Text(); reset.Status != http.StatusOK || len(otp) < 12 {
			t.Fatalf("confirmed reset: %d %q", reset.Status, otp)
		}
	})
}
