package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDelegationPageSaysWhenADelegationLapsed: hns delegates hns_officer
// to gov, and gov's page of a request in review offers the intake stage
// through it. The administrator then disables hns: the delegation is
// within its dates still but gives nothing, so the delegations page shows
// it as not active with the reason, to the delegate and to the
// administrator, and gov's request page no longer offers a decision
// through it (the domain would refuse one).
func TestDelegationPageSaysWhenADelegationLapsed(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		hns := e.client().signIn("hns")
		if p := hns.post("/delegations", url.Values{"to": {"gov"}, "role": {"hns_officer"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		gov := e.client().signIn("gov")
		decide := func() int {
			return gov.get("/requests/" + id).Doc.Find(`form[action$="/decide"] select[name="stage"] option[value="intake"], form[action$="/decide"] input[name="stage"][value="intake"]`).Length()
		}
		state := func(c *client) string {
			t.Helper()
			row := c.get("/delegations").Doc.Find("main table tbody tr")
			if row.Length() != 1 {
				t.Fatalf("%d delegation rows", row.Length())
			}
			return strings.Join(strings.Fields(row.Children().Eq(4).Text()), " ")
		}
		if got := state(gov); got != "Active" {
			t.Fatalf("the running delegation's state: %q", got)
		}
		if decide() == 0 {
			t.Fatal("the delegate is not offered the intake stage through the delegation")
		}

		e.disable("hns", "left")
		const want = "Not active: the delegator's account is disabled"
		if got := state(gov); got != want {
			t.Errorf("the delegate's page: %q, want %q", got, want)
		}
		if got := state(e.client().signIn("admin")); got != want {
			t.Errorf("the administrator's page: %q, want %q", got, want)
		}
		if n := decide(); n != 0 {
			t.Errorf("the delegate is still offered the intake stage through a lapsed delegation")
		}
	})
}
