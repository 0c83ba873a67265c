package web

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/chromedp/chromedp"
)

// TestBrowserDecisionChoosesNoOutcome: the decision form preselects no
// outcome, and recording a decision without one is refused at the field;
// nothing is recorded.
func TestBrowserDecisionChoosesNoOutcome(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	b := newBrowser(t, e)
	b.signIn("hns")
	b.open("/requests/"+id, "")
	checked, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('input[name="outcome"]:checked').length`))
	if err != nil || checked != 0 {
		t.Fatalf("%d outcomes chosen beforehand (%v)", checked, err)
	}
	b.click(`form[action$="/decide"] button[type="submit"]`, "")
	if got := b.text("#f-outcome-error"); got != "Error: choose Approve, Request changes or Reject" {
		t.Fatalf("the outcome's error: %q in %s", got, b.text("main"))
	}
	if !strings.Contains(b.text(".error-summary"), "Decision: choose Approve, Request changes or Reject") {
		t.Errorf("error summary: %s", b.text(".error-summary"))
	}
	r, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, id)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(r.Route.Stages[0].Decisions); n != 0 {
		t.Fatalf("%d decisions recorded without an outcome", n)
	}
	b.do(chromedp.Click(chromedp.CSS("#f-outcome")))
	b.click(`form[action$="/decide"] button[type="submit"]`, "")
	if !strings.Contains(b.text(".notice"), "Your decision was recorded") {
		t.Fatalf("approving: %s", b.text("main"))
	}
}

// TestBrowserIrreversibleActionsAreConfirmed: withdrawing a request,
// revoking a permit and revoking a delegation each show a confirmation
// page naming what ends; Cancel leaves it as it was, and only the
// confirmation acts.
func TestBrowserIrreversibleActionsAreConfirmed(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	inReview := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	approved := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.approveAll(approved)
	ops := e.client().signIn("ops")
	if p := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != 303 {
		t.Fatalf("delegate: %d", p.Status)
	}
	ctx := context.Background()
	status := func(id string) domain.Status {
		r, err := e.requests.GetRequest(ctx, domain.Principal{Subject: "auditor", Roles: []domain.Role{domain.RoleAuditor}}, id)
		if err != nil {
			t.Fatal(err)
		}
		return r.Status
	}
	b := newBrowser(t, e)
	confirmPage := func(question string, facts ...string) {
		t.Helper()
		if b.text("h1") != question || !strings.Contains(b.text("main"), "This cannot be undone.") {
			t.Fatalf("confirmation page: %s", b.text("main"))
		}
		for _, f := range facts {
			if !strings.Contains(b.text("main dl"), f) {
				t.Errorf("the confirmation page lacks %q: %s", f, b.text("main dl"))
			}
		}
		// Cancel looks secondary, not like a primary (green) button.
		looks, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`(() => {
			const primary = document.createElement('button'); document.querySelector('main').append(primary);
			const bg = e => getComputedStyle(e).backgroundColor;
			const out = [bg(document.querySelector('main a.button.secondary')), bg(primary)]; primary.remove(); return out; })()`))
		if err != nil || len(looks) != 2 || looks[0] == looks[1] {
			t.Errorf("Cancel's background %q is a primary button's (%v)", looks, err)
		}
	}

	b.signIn("lo-no")
	b.open("/requests/"+inReview, "")
	b.typeIn("#f-withdraw-reason", "Exercise cancelled")
	b.click(`form[action$="/withdraw"] button`, "")
	confirmPage("Withdraw this request?", "Cold Response 27", "In review", "Exercise cancelled")
	b.click(`main a.button[href="/requests/`+inReview+`"]`, "")
	if got := status(inReview); got != domain.StatusInReview {
		t.Fatalf("after Cancel the request is %s", got)
	}
	b.typeIn("#f-withdraw-reason", "Exercise cancelled")
	b.click(`form[action$="/withdraw"] button`, "")
	b.click(`main form button.danger`, "")
	if b.text(".notice") != "The request was withdrawn." || status(inReview) != domain.StatusWithdrawn {
		t.Fatalf("after confirming the withdrawal: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("gov")
	b.open("/requests/"+approved, "")
	b.typeIn("#f-revoke-reason", "Range closed by fire")
	b.click(`form[action$="/revoke"] button`, "")
	confirmPage("Revoke this permit?", "Approved", "Range closed by fire")
	if got := status(approved); got != domain.StatusApproved {
		t.Fatalf("one click revoked the permit: %s", got)
	}
	b.click(`main form button.danger`, "")
	if b.text(".notice") != "The permit was revoked." || status(approved) != domain.StatusRevoked {
		t.Fatalf("after confirming the revocation: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("ops")
	b.open("/delegations", "")
	b.click(`form[action$="/revoke"] button`, "")
	confirmPage("Revoke this delegation?", "gov", "Operations")
	b.click(`main a.button[href="/delegations"]`, "")
	if !strings.Contains(b.text("main table"), "Active") {
		t.Fatalf("after Cancel: %s", b.text("main"))
	}
	b.click(`form[action$="/revoke"] button`, "")
	b.click(`main form button.danger`, "")
	if strings.Contains(b.text("main table"), "Active") || !strings.HasPrefix(b.location(), "/delegations?revoked=") {
		t.Fatalf("after confirming: %s", b.text("main"))
	}
}
