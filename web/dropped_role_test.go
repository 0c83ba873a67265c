package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/internal/apptest"
)

// TestConsoleDroppedPolicyRole: a server started with a policy that no
// longer names customs_officer, which accounts, a delegation and a routed
// request still hold, gives that role nothing in the console. tull, who
// holds it beside ministry, and range, to whom tull delegated it, are
// offered no customs stage and a decision sent anyway is refused; range's
// delegations page says the delegation is not active. cust, whose only
// role it is, loses the session it had and is refused at sign-in with a
// message that says why. An administrator finds and is warned of the
// holders, and the account's page offers the role checked: saving it
// checked is refused, unchecked takes it away.
func TestConsoleDroppedPolicyRole(t *testing.T) {
	p := apptest.CustomsPolicy(t)
	builtin := domain.SnapshotRoles()
	e := newEnvPolicy(t, storagetestSQLite(t), false, nil, p)
	e.storeUnchecked("tull", domain.RoleMinistry, "customs_officer")
	e.storeUnchecked("cust", "customs_officer")
	now := e.clock().UTC().Truncate(time.Microsecond)
	d := domain.Delegation{ID: "00000000-0000-7000-8000-000000000001", From: "tull", To: "range", Role: "customs_officer",
		Starts: now.Add(-time.Hour), Ends: now.Add(7 * 24 * time.Hour), CreatedAt: now.Add(-time.Hour)}
	if err := e.db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateDelegation(&d) }); err != nil {
		t.Fatal(err)
	}
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})

	customs := `form[action$="/decide"] select[name="stage"] option[value="customs"], form[action$="/decide"] input[name="stage"][value="customs"]`
	tull, rng, cust := e.client().signIn("tull"), e.client().signIn("range"), e.client().signIn("cust")
	for name, c := range map[string]*client{"tull": tull, "range": rng, "cust": cust} {
		if c.get("/requests/"+id).Doc.Find(customs).Length() == 0 {
			t.Fatalf("while the policy names customs_officer, %s is not offered the customs stage", name)
		}
	}

	// The server restarts with a policy that no longer names customs_officer.
	builtin.Restore()
	hnsView := domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}
	r, err := e.requests.GetRequest(context.Background(), hnsView, id)
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*client{"tull": tull, "range": rng} {
		page := c.get("/requests/" + id)
		wantStatus(t, page, http.StatusOK)
		if page.Doc.Find(customs).Length() != 0 {
			t.Errorf("%s is offered the customs stage of a dropped role", name)
		}
		sent := c.post("/requests/"+id+"/decide", url.Values{"version": {strconv.Itoa(r.Version)}, "stage": {"customs"}, "outcome": {"approve"}})
		if sent.Status == http.StatusSeeOther {
			t.Errorf("%s's decision of the customs stage was taken", name)
		}
	}
	if after, _ := e.requests.GetRequest(context.Background(), hnsView, id); after.Version != r.Version {
		t.Fatalf("the request changed: version %d, was %d", after.Version, r.Version)
	}
	row := rng.get("/delegations").Doc.Find("main table tbody tr")
	if got := strings.Join(strings.Fields(row.Text()), " "); row.Length() != 1 || !strings.Contains(got, "Not active") {
		t.Errorf("range's delegations: %d rows, %q", row.Length(), got)
	}

	if p := cust.get("/"); p.Status == http.StatusOK && p.Doc.Find(`form[action="/sign-out"]`).Length() != 0 {
		t.Error("cust's session goes on with no role")
	}
	// The administrator finds the holders, is warned of them, and takes
	// the role away on the account's page, where it is offered checked.
	admin := e.client().signIn("admin")
	list := admin.get("/admin/users?role=customs_officer")
	wantStatus(t, list, http.StatusOK)
	if got := list.Doc.Find("main table tbody").Text(); !strings.Contains(got, "tull") || !strings.Contains(got, "cust") {
		t.Errorf("the holders of customs_officer: %q", strings.Join(strings.Fields(got), " "))
	}
	if got := list.Doc.Find("main").Text(); !strings.Contains(got, "customs_officer, not named by the routing policy loaded") {
		t.Errorf("the users list does not warn of the dropped role: %q", strings.Join(strings.Fields(got), " "))
	}
	tullPath := "/admin/users/" + e.userID("tull")
	form := admin.get(tullPath)
	box := form.Doc.Find(`input[type=checkbox][name=roles][value=customs_officer]`)
	if _, checked := box.Attr("checked"); box.Length() != 1 || !checked {
		t.Fatalf("tull's page does not offer the held customs_officer, checked")
	}
	version := form.Doc.Find(`input[name=version]`).AttrOr("value", "")
	kept := admin.post(tullPath, url.Values{"version": {version}, "roles": {"ministry", "customs_officer"}, "email": {"tull@example.org"}, "reason": {"address"}})
	if kept.Status == http.StatusSeeOther {
		t.Errorf("saving with the dropped role checked was taken")
	}
	if u, _ := e.db.GetUserByUsername(context.Background(), "tull"); u.Email != "" {
		t.Errorf("tull changed: %+v", u)
	}
	dropped := admin.post(tullPath, url.Values{"version": {version}, "roles": {"ministry"}, "reason": {"customs gone"}})
	if dropped.Status != http.StatusSeeOther {
		t.Fatalf("taking the dropped role away: %d %s", dropped.Status, dropped.Doc.Find(".error-summary").Text())
	}
	if u, _ := e.db.GetUserByUsername(context.Background(), "tull"); len(u.Roles) != 1 || u.Roles[0] != domain.RoleMinistry {
		t.Errorf("tull's roles: %v", u.Roles)
	}

	p2 := e.client().post("/sign-in", url.Values{"username": {"cust"}, "password": {testPassword}, "next": {"/"}})
	wantStatus(t, p2, http.StatusForbidden)
	if got := p2.Doc.Find("main").Text(); !strings.Contains(got, "holds no role this server knows") {
		t.Errorf("cust's sign-in: %q", strings.Join(strings.Fields(got), " "))
	}
}
