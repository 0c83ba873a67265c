package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestHostNationNotOffered: the account forms and the framework agreement
// form offer no Sweden (the host nation: no liaison officer is bound to
// it, no agreement is made with it), the filters still do, and a form
// sent with it anyway is refused at the nation, saying why.
func TestHostNationNotOffered(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	offers := func(p page, sel string) bool {
		return p.Doc.Find(sel+` option[value="SE"]`).Length() > 0
	}
	sel := "#" + fieldID("nation")
	for _, path := range []string{"/admin/users/new", "/admin/users/" + e.userID("lo-no"), "/admin/frameworks/new"} {
		if p := a.get(path); p.Status != http.StatusOK || offers(p, sel) {
			t.Errorf("%s offers Sweden (%d)", path, p.Status)
		}
	}
	if !offers(a.get("/admin/users"), sel) {
		t.Error("the users list's filter lost Sweden")
	}
	p := a.post("/admin/users/new", url.Values{"username": {"lo-se"}, "roles": {"liaison_officer"}, "nation": {"SE"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantTiedError(t, p, sel, domain.HostNationRefusal)
	if _, err := e.db.GetUserByUsername(context.Background(), "lo-se"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("lo-se was stored: %v", err)
	}
	p = a.post("/admin/frameworks/new", url.Values{"nation": {"SE"}, "name": {"Home"}, "reference": {"FA-SE-1"},
		"valid_from": {"2027-01-01"}, "valid_until": {"2027-12-31"}, "personnel_ceiling": {"600"},
		"training_areas": {"ravlunda"}, "entry_points": {"storlien"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantTiedError(t, p, sel, domain.HostNationRefusal)
}

// TestOwnAccountOffersNoDisable: an administrator's own account page
// offers no disabling, saying another administrator must; a disable sent
// anyway is refused (403), asked or confirmed, and changes nothing.
func TestOwnAccountOffersNoDisable(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	path := "/admin/users/" + e.userID("admin")
	own := a.get(path)
	wantStatus(t, own, http.StatusOK)
	if own.Doc.Find(`form[action$="/disable"]`).Length() != 0 {
		t.Fatal("the own account's page offers to disable it")
	}
	if got := own.Doc.Find(".own-disable").Text(); !strings.Contains(got, "another administrator disables it") {
		t.Fatalf("the own account's note: %q", got)
	}
	if other := a.get("/admin/users/" + e.userID("ops")); other.Doc.Find(`form[action$="/disable"]`).Length() != 1 {
		t.Fatal("another account's page lost its disable form")
	}
	for _, form := range []url.Values{{"reason": {"leaving"}}, {"reason": {"leaving"}, "confirm": {confirmYes}}} {
		p := a.post(path+"/disable", form)
		if p.Status != http.StatusForbidden || !strings.Contains(p.Doc.Find("main").Text(), "another administrator must") {
			t.Fatalf("own disable %v: %d %s", form, p.Status, strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "))
		}
	}
	if u, err := e.db.GetUserByUsername(context.Background(), "admin"); err != nil || u.Disabled() {
		t.Fatalf("admin: %+v, %v", u, err)
	}
}

// TestOwnAccountOffersNoReset: an administrator's own account page offers
// no password reset (it would end their own session before the one-time
// password is shown) but a link to change their password; a reset sent
// anyway is refused (403), asked or confirmed, changes nothing and leaves
// them signed in.
func TestOwnAccountOffersNoReset(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	path := "/admin/users/" + e.userID("admin")
	own := a.get(path)
	wantStatus(t, own, http.StatusOK)
	if own.Doc.Find(`form[action$="/reset-password"]`).Length() != 0 {
		t.Fatal("the own account's page offers to reset its password")
	}
	note := own.Doc.Find(".own-reset")
	if !strings.Contains(note.Text(), "your own password") || note.Find(`a[href="`+pathPassword+`"]`).Length() != 1 {
		t.Fatalf("the own account's reset note: %q", note.Text())
	}
	if other := a.get("/admin/users/" + e.userID("ops")); other.Doc.Find(`form[action$="/reset-password"]`).Length() != 1 {
		t.Fatal("another account's page lost its reset form")
	}
	before, err := e.db.GetUserByUsername(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range []url.Values{{"reason": {"forgot"}}, {"reason": {"forgot"}, "confirm": {confirmYes}}} {
		p := a.post(path+"/reset-password", form)
		if got := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "); p.Status != http.StatusForbidden ||
			!strings.Contains(strings.ToLower(got), "nobody resets their own password") {
			t.Fatalf("own reset %v: %d %s", form, p.Status, got)
		}
	}
	after, err := e.db.GetUserByUsername(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	if after.PasswordHash != before.PasswordHash || after.Generation != before.Generation || after.MustChangePassword {
		t.Fatalf("the own reset changed the account: %+v", after)
	}
	if p := a.get("/admin/users"); p.Status != http.StatusOK {
		t.Fatalf("after the refused reset the administrator is signed out: %d", p.Status)
	}
}
