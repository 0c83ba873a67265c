package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestAdminUsers walks the administrator's users pages: filters, a new
// account with its one-time password shown once, the API's validation
// errors, a stale roles form, disabling (which ends the user's session)
// with a required reason, and a password reset.
func TestAdminUsers(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin := e.client().signIn("admin")

	list := admin.get("/admin/users?role=liaison_officer")
	wantStatus(t, list, http.StatusOK)
	if got := list.Doc.Find("tbody tr").Length(); got != 2 {
		t.Fatalf("liaison officers listed: %d, want 2", got)
	}
	wantStatus(t, admin.get("/admin/users?disabled=maybe"), http.StatusBadRequest)

	bad := admin.post("/admin/users/new", url.Values{"username": {"lo-se"}, "roles": {"liaison_officer"}})
	if bad.Status != http.StatusUnprocessableEntity || !strings.Contains(bad.Doc.Find(".error-summary a[href='#f-nation']").Text(), "must be bound to a nation") {
		t.Fatalf("a liaison officer without a nation: %d %q", bad.Status, bad.Doc.Find(".error-summary").Text())
	}
	if bad.Doc.Find("#f-username").AttrOr("value", "") != "lo-se" {
		t.Fatal("the username typed was lost on the error")
	}
	created := admin.follow(admin.post("/admin/users/new", url.Values{"username": {"lo-se"}, "roles": {"liaison_officer"}, "nation": {"NO"}}))
	otp := strings.TrimSpace(created.Doc.Find(".otp code").Text())
	if created.Status != http.StatusOK || len(otp) < 12 || created.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d, one-time password %q, cache %q", created.Status, otp, created.Header.Get("Cache-Control"))
	}
	userPath := created.Doc.Find(`form[action$="/reset-password"]`).AttrOr("action", "")
	userPath = strings.TrimSuffix(userPath, "/reset-password")
	if again := admin.get(userPath); again.Doc.Find(".otp").Length() != 0 {
		t.Fatal("the one-time password is shown a second time")
	}
	newbie := e.client()
	if p := newbie.post("/sign-in", url.Values{"username": {"lo-se"}, "password": {otp}}); p.Header.Get("Location") != pathPassword {
		t.Fatalf("the new user's first sign-in goes to %q", p.Header.Get("Location"))
	}

	// Two administrators open the same form; the second save is stale.
	form := admin.get(userPath)
	version := form.Doc.Find(`input[name=version]`).AttrOr("value", "")
	ok := admin.post(userPath, url.Values{"version": {version}, "roles": {"liaison_officer"}, "nation": {"DE"}})
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("change nation: %d %s", ok.Status, ok.Doc.Find(".error-summary").Text())
	}
	stale := admin.post(userPath, url.Values{"version": {version}, "roles": {"liaison_officer"}, "nation": {"NO"}})
	if stale.Status != http.StatusConflict || !strings.Contains(stale.Doc.Find(".error-summary h2").Text(), "changed this account meanwhile") ||
		stale.Doc.Find("#f-nation option[selected]").AttrOr("value", "") != "DE" {
		t.Fatalf("stale form: %d %q", stale.Status, stale.Doc.Find(".error-summary").Text())
	}

	// Disabling needs a reason and ends the user's session.
	ops := e.client().signIn("ops")
	opsPath := "/admin/users/" + e.userID("ops")
	noReason := admin.post(opsPath+"/disable", url.Values{"reason": {""}})
	if noReason.Status != http.StatusUnprocessableEntity || noReason.Doc.Find(".error-summary a[href='#f-reason']").Length() != 1 {
		t.Fatalf("disable without a reason: %d %q", noReason.Status, noReason.Doc.Find(".error-summary").Text())
	}
	if p := admin.post(opsPath+"/disable", url.Values{"reason": {"left the unit"}, "confirm": {confirmYes}}); p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.Status)
	}
	if p := ops.get("/queue"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/sign-in") {
		t.Fatalf("a disabled user's next click: %d %q", p.Status, p.Header.Get("Location"))
	}
	if rows := admin.get("/admin/users?disabled=true").Doc.Find("tbody tr td:first-child"); rows.Length() != 1 || rows.Text() != "ops" {
		t.Fatalf("disabled filter: %q", rows.Text())
	}
	if p := admin.post(opsPath+"/enable", url.Values{"reason": {"back"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.Status)
	}
	reset := admin.follow(admin.post(opsPath+"/reset-password", url.Values{"reason": {"forgotten"}, "confirm": {confirmYes}}))
	if otp2 := reset.Doc.Find(".otp code").Text(); reset.Status != http.StatusOK || len(otp2) < 12 {
		t.Fatalf("reset: %d %q", reset.Status, otp2)
	}
	if p := e.client().get("/admin/users"); p.Status != http.StatusSeeOther {
		t.Fatalf("signed out, the users page: %d", p.Status)
	}
	if p := e.client().signIn("hns").get("/admin/users"); p.Status != http.StatusForbidden {
		t.Fatalf("a non-admin on the users page: %d", p.Status)
	}

	// Paging: 11 accounts so far and 45 more make two pages.
	for i := range 45 {
		u := domain.User{Username: fmt.Sprintf("auditor-%02d", i), Roles: []domain.Role{domain.RoleAuditor}}
		if _, err := e.accounts.CreateUser(context.Background(), "admin", u, "x"); err != nil {
			t.Fatal(err)
		}
	}
	first := admin.get("/admin/users")
	next := first.Doc.Find(`main a[href^="/admin/users?"]`).AttrOr("href", "")
	if n := first.Doc.Find("tbody tr").Length(); n != usersPageSize || next == "" {
		t.Fatalf("first page: %d rows, next %q", n, next)
	}
	second := admin.get(next)
	if n := second.Doc.Find("tbody tr").Length(); n != 56-usersPageSize || second.Doc.Find(`main a[href^="/admin/users?"]`).Length() != 0 {
		t.Fatalf("second page: %d rows", n)
	}
}

// TestAdminEndsAnyDelegation: an administrator sees every delegation and may
// end one given between two other officers, as the API allows; the page
// offers the administrator no "delegate" form (they hold no approver role).
func TestAdminEndsAnyDelegation(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ops := e.client().signIn("ops")
	if p := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delegate: %d", p.Status)
	}
	admin := e.client().signIn("admin")
	list := admin.get("/delegations")
	wantStatus(t, list, http.StatusOK)
	row := list.Doc.Find("main table tbody tr")
	if row.Length() != 1 || !strings.Contains(row.Text(), "gov") || list.Doc.Find(`form[action="/delegations"]`).Length() != 0 {
		t.Fatalf("the administrator's delegations page: %q", row.Text())
	}
	if p := admin.post(row.Find("form").AttrOr("action", ""), url.Values{"confirm": {"yes"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("the administrator ends the delegation: %d", p.Status)
	}
	if got := ops.get("/delegations").Doc.Find("main table tbody tr").Text(); !strings.Contains(got, "Not active") {
		t.Fatalf("after the administrator ended it: %q", got)
	}
	if p := admin.post("/delegations", url.Values{"to": {"ops2"}, "role": {"operations_approver"}}); p.Status != http.StatusForbidden {
		t.Fatalf("an administrator creating a delegation: %d", p.Status)
	}
}

// TestAdminUserEmail: the administrator gives an account its e-mail address
// when creating it and changes or removes it later; a malformed address is
// refused at its field and what was typed stays in the form.
func TestAdminUserEmail(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	admin := e.client().signIn("admin")
	ctx := context.Background()
	address := func(username string) string {
		t.Helper()
		u, err := e.db.GetUserByUsername(ctx, username)
		if err != nil {
			t.Fatal(err)
		}
		return u.Email
	}

	bad := admin.post("/admin/users/new", url.Values{"username": {"hns-2"}, "roles": {"hns_officer"}, "email": {"not an address"}})
	if bad.Status != http.StatusUnprocessableEntity || bad.Doc.Find(".error-summary a[href='#f-email']").Length() != 1 ||
		bad.Doc.Find("#f-email").AttrOr("value", "") != "not an address" || bad.Doc.Find("#f-email").AttrOr("aria-invalid", "") != "true" {
		t.Fatalf("a malformed address: %d %q", bad.Status, bad.Doc.Find(".error-summary").Text())
	}
	created := admin.follow(admin.post("/admin/users/new", url.Values{"username": {"hns-2"}, "roles": {"hns_officer"}, "email": {" hns2@mil.se "}}))
	if created.Status != http.StatusOK || address("hns-2") != "hns2@mil.se" {
		t.Fatalf("create with an address: %d, stored %q", created.Status, address("hns-2"))
	}
	path := "/admin/users/" + e.userID("hns-2")
	form := admin.get(path)
	if form.Doc.Find("#f-email").AttrOr("value", "") != "hns2@mil.se" {
		t.Fatalf("the account's page shows the address %q", form.Doc.Find("#f-email").AttrOr("value", ""))
	}
	version := form.Doc.Find(`input[name=version]`).AttrOr("value", "")
	changed := admin.post(path, url.Values{"version": {version}, "roles": {"hns_officer"}, "nation": {""}, "email": {"desk@mil.se"}})
	if changed.Status != http.StatusSeeOther || address("hns-2") != "desk@mil.se" {
		t.Fatalf("change the address: %d, stored %q", changed.Status, address("hns-2"))
	}
	version = admin.get(path).Doc.Find(`input[name=version]`).AttrOr("value", "")
	if p := admin.post(path, url.Values{"version": {version}, "roles": {"hns_officer"}, "nation": {""}}); p.Status != http.StatusSeeOther || address("hns-2") != "desk@mil.se" {
		t.Fatalf("a form without the address field: %d, stored %q (want it kept)", p.Status, address("hns-2"))
	}
	version = admin.get(path).Doc.Find(`input[name=version]`).AttrOr("value", "")
	if p := admin.post(path, url.Values{"version": {version}, "roles": {"hns_officer"}, "nation": {""}, "email": {""}}); p.Status != http.StatusSeeOther || address("hns-2") != "" {
		t.Fatalf("remove the address: %d, stored %q", p.Status, address("hns-2"))
	}
}
