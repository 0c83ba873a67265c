package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth"
	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/uuid"
)

// storeUnchecked stores an account with roles as an older version could
// (an administrator who is an approver too), past the accounts service's
// checks, with the test password; it returns the account's id.
func (e *env) storeUnchecked(username string, roles ...domain.Role) string {
	e.t.Helper()
	hash, err := auth.HashPassword(testPassword)
	if err != nil {
		e.t.Fatal(err)
	}
	now := e.clock().UTC().Truncate(time.Microsecond)
	u := domain.User{ID: uuid.Must(uuid.NewV7()).String(), Username: username, PasswordHash: hash, Roles: roles,
		CreatedAt: now, UpdatedAt: now, Generation: 1, Version: 1}
	if err := e.db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
		e.t.Fatal(err)
	}
	return u.ID
}

// TestOwnAccountPage: an administrator's own account page offers no
// control for their own roles and nation (another administrator changes
// them) but keeps the e-mail address; a form sent with other roles anyway
// is refused and changes nothing. Another account's page keeps its roles.
func TestOwnAccountPage(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	path := "/admin/users/" + e.userID("admin")
	own := a.get(path)
	wantStatus(t, own, http.StatusOK)
	if got := strings.Join(strings.Fields(own.Doc.Find(".own-powers").Text()), " "); !strings.Contains(got, "another administrator changes its roles and nation") ||
		!strings.Contains(got, "Administrator") {
		t.Fatalf("the own account's note: %q", got)
	}
	if n := own.Doc.Find(`input[type=checkbox][name=roles], select[name=nation]`).Length(); n != 0 {
		t.Fatalf("the own account's page offers %d controls for roles or nation", n)
	}
	if other := a.get("/admin/users/" + e.userID("ops")); other.Doc.Find(`input[type=checkbox][name=roles]`).Length() == 0 ||
		other.Doc.Find(".own-powers").Length() != 0 {
		t.Fatal("another account's page lost its roles")
	}

	// The form as the page gives it: the address changes, nothing else.
	form := url.Values{}
	own.Doc.Find(`form:has(#f-change-reason) input[name]`).Each(func(_ int, in *goquery.Selection) {
		form.Add(in.AttrOr("name", ""), in.AttrOr("value", ""))
	})
	form.Set("email", "admin@example.org")
	saved := a.post(path, form)
	if saved.Status != http.StatusSeeOther {
		t.Fatalf("saving the own address: %d %s", saved.Status, saved.Doc.Find("main").Text())
	}
	u, err := e.db.GetUserByUsername(context.Background(), "admin")
	if err != nil || u.Email != "admin@example.org" || !slices.Equal(u.Roles, []domain.Role{domain.RoleAdmin}) {
		t.Fatalf("after saving the own address: %+v, %v", u, err)
	}

	// Sent with an approver's roles anyway: refused, nothing changes.
	version := a.get(path).Doc.Find(`input[name=version]`).AttrOr("value", "")
	sent := a.post(path, url.Values{"version": {version}, "roles": {"admin", "ministry", "operations_approver"}, "nation": {""}})
	if sent.Status != http.StatusForbidden || !strings.Contains(sent.Doc.Find("main").Text(), "another administrator must") {
		t.Fatalf("own roles sent: %d %s", sent.Status, strings.Join(strings.Fields(sent.Doc.Find("main").Text()), " "))
	}
	if u, err := e.db.GetUserByUsername(context.Background(), "admin"); err != nil || !slices.Equal(u.Roles, []domain.Role{domain.RoleAdmin}) ||
		u.Version != 2 {
		t.Fatalf("after sending own roles: %+v, %v", u, err)
	}
}

// TestConsoleRefusesReservedAndMixedAccounts: the new-account form refuses
// the system actor's name (in any case) at the username, and an
// administrator's role beside another at the roles.
func TestConsoleRefusesReservedAndMixedAccounts(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	a := e.client().signIn("admin")
	for _, name := range []string{"system", " System "} {
		p := a.post("/admin/users/new", url.Values{"username": {name}, "roles": {"hns_officer"}, "nation": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantTiedError(t, p, "#f-username", "is reserved")
	}
	p := a.post("/admin/users/new", url.Values{"username": {"boss"}, "roles": {"admin", "ministry"}, "nation": {""}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.Doc.Find(`.error-summary a[href="#f-roles"]`).Length() != 1 || !strings.Contains(p.Doc.Find("#f-roles-error").Text(), "an administrator holds no other role") {
		t.Fatalf("an administrator's role beside another: %q", p.Doc.Find(".error-summary").Text())
	}
	if _, err := e.db.GetUserByUsername(context.Background(), "boss"); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("the refused account was stored: %v", err)
	}
}

// TestConsoleAdministratorDecidesNothing: an account stored with admin
// beside an approver role is offered no stage on a request's page nor in
// its queue, and a decision sent anyway is refused.
func TestConsoleAdministratorDecidesNothing(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	e.storeUnchecked("boss", domain.RoleAdmin, domain.RoleHNS)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))

	if hns := e.client().signIn("hns").get("/requests/" + id); hns.Doc.Find(`form[action$="/decide"]`).Length() != 1 {
		t.Fatal("the intake officer is not offered the intake stage")
	}
	boss := e.client().signIn("boss")
	page := boss.get("/requests/" + id)
	wantStatus(t, page, http.StatusOK)
	if page.Doc.Find(`form[action$="/decide"]`).Length() != 0 || !strings.Contains(page.Doc.Find("main").Text(), msg("decide.none")) {
		t.Fatalf("an administrator's request page: %s", strings.Join(strings.Fields(page.Doc.Find("main").Text()), " "))
	}
	if q := boss.get("/queue"); strings.Contains(q.Doc.Find("main").Text(), "Cold Response 27") {
		t.Fatal("an administrator's queue offers the request")
	}
	r, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, id)
	if err != nil {
		t.Fatal(err)
	}
	sent := boss.post("/requests/"+id+"/decide", url.Values{"version": {strconv.Itoa(r.Version)}, "stage": {"intake"}, "outcome": {"approve"}})
	if sent.Status == http.StatusSeeOther || !strings.Contains(sent.Doc.Find("main").Text(), "administrators never decide requests") {
		t.Fatalf("a decision sent by an administrator: %d %s", sent.Status, strings.Join(strings.Fields(sent.Doc.Find("main").Text()), " "))
	}
	if after, _ := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, id); after.Version != r.Version {
		t.Fatalf("the request changed: version %d, was %d", after.Version, r.Version)
	}
}

// TestConsoleWarnsOfLegacyAccounts: the users list and the account page
// warn of an enabled account stored before the rules refused it — admin
// beside an approver role, a name like the server's own actor — with what
// to do; a sound account's page, and a disabled legacy account, carry no
// such warning.
func TestConsoleWarnsOfLegacyAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		boss := e.storeUnchecked("boss", domain.RoleAdmin, domain.RoleHNS)
		sys := e.storeUnchecked("System", domain.RoleRange)
		old := e.storeUnchecked("old-boss", domain.RoleAdmin, domain.RoleRange)
		if _, err := e.accounts.SetDisabled(context.Background(), "admin", old, true, "left"); err != nil {
			t.Fatal(err)
		}
		a := e.client().signIn("admin")
		list := a.get("/admin/users")
		wantStatus(t, list, http.StatusOK)
		box := list.Doc.Find("#legacy-accounts.warn")
		text := strings.Join(strings.Fields(box.Text()), " ")
		for _, want := range []string{"boss: " + domain.AdminApproverWarning, "System: " + domain.ReservedNameWarning} {
			if !strings.Contains(text, want) {
				t.Errorf("the users list's warning lacks %q: %q", want, text)
			}
		}
		if strings.Contains(text, "old-boss") || box.Find(`a[href="/admin/users/`+boss+`"]`).Length() != 1 {
			t.Errorf("the users list's warning: %q", text)
		}
		for id, want := range map[string]string{boss: domain.AdminApproverWarning, sys: domain.ReservedNameWarning} {
			page := a.get("/admin/users/" + id)
			if got := strings.Join(strings.Fields(page.Doc.Find("#account-warnings.warn").Text()), " "); !strings.Contains(got, want) {
				t.Errorf("account %s: warning %q, want %q", id, got, want)
			}
		}
		for _, id := range []string{old, e.userID("hns")} {
			if page := a.get("/admin/users/" + id); page.Doc.Find("#account-warnings").Length() != 0 {
				t.Errorf("account %s warns: %q", id, page.Doc.Find("#account-warnings").Text())
			}
		}
	})
}

// TestConsoleLegacyAdministratorDelegatesNothing: an account stored with
// admin beside hns_officer is offered no delegation form on its
// delegations page, which says why; a form sent anyway is refused (422,
// the domain's words at the role, nothing stored). A delegation it gave
// before the rule is listed as not active, with the reason, to it, its
// delegate and an administrator, and the delegate's request page offers
// no decision through it; an approver's delegation of the role still
// does.
func TestConsoleLegacyAdministratorDelegatesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.storeUnchecked("boss", domain.RoleAdmin, domain.RoleHNS)
		boss := e.client().signIn("boss")
		page := boss.get("/delegations")
		wantStatus(t, page, http.StatusOK)
		if page.Doc.Find(`form[action="/delegations"]`).Length() != 0 {
			t.Error("the administrator is offered the delegation form")
		}
		if got := strings.Join(strings.Fields(page.Doc.Find("#deleg-admin.warn").Text()), " "); !strings.Contains(got, "you cannot create one") {
			t.Errorf("the page's warning: %q", got)
		}
		sent := boss.post("/delegations", url.Values{"to": {"gov"}, "role": {"hns_officer"}, "ends": {"2026-12-31"}})
		wantStatus(t, sent, http.StatusUnprocessableEntity)
		if got := strings.Join(strings.Fields(sent.Doc.Find(".error-summary").Text()), " "); !strings.Contains(got, domain.DelegatorAdminMessage) {
			t.Errorf("the refusal: %q", got)
		}
		if list, err := e.db.ListDelegations(context.Background(), domain.DelegationFilter{}, e.clock()); err != nil || len(list.Items) != 0 {
			t.Fatalf("delegations stored: %v %v", list, err)
		}

		// One given before the rule, the first gov holds.
		now := e.clock().UTC().Truncate(time.Microsecond)
		old := domain.Delegation{ID: "00000000-0000-7000-8000-000000000001", From: "boss", To: "gov", Role: domain.RoleHNS,
			Starts: now.Add(-time.Hour), Ends: now.Add(7 * 24 * time.Hour), CreatedAt: now.Add(-time.Hour)}
		if err := e.db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateDelegation(&old) }); err != nil {
			t.Fatal(err)
		}
		gov := e.client().signIn("gov")
		const want = "Not active: the delegator holds admin too, and administrators never decide"
		for name, c := range map[string]*client{"boss": boss, "gov": gov, "admin": e.client().signIn("admin")} {
			row := c.get("/delegations").Doc.Find("main table tbody tr")
			if got := strings.Join(strings.Fields(row.Children().Eq(4).Text()), " "); row.Length() != 1 || got != want {
				t.Errorf("%s's page: %d rows, %q, want %q", name, row.Length(), got, want)
			}
		}
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		decide := func() int {
			return gov.get("/requests/" + id).Doc.Find(`form[action$="/decide"] select[name="stage"] option[value="intake"], form[action$="/decide"] input[name="stage"][value="intake"]`).Length()
		}
		if n := decide(); n != 0 {
			t.Error("the delegate is offered the intake stage through the administrator's delegation")
		}
		hns := e.client().signIn("hns")
		if p := hns.post("/delegations", url.Values{"to": {"gov"}, "role": {"hns_officer"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("hns delegates: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		if n := decide(); n == 0 {
			t.Error("the delegate is not offered the intake stage through hns's delegation")
		}
	})
}
