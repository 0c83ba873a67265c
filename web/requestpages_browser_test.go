package web

import (
	"context"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/chromedp/chromedp"
)

// TestBrowserRequestPageStates visits the states of the request pages the
// journey does not reach, each checked by axe-core with the journey's
// helpers: an amendment from an outdated form (saved over the current
// version once the box is ticked), the decision form with its errors, an
// approver with no stage to decide, a revocation without a reason, and the
// revoked permit with its reason.
func TestBrowserRequestPageStates(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	draft := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
	inReview := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	approved := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	e.approveAll(approved)
	b := newBrowser(t, e)

	b.signIn("lo-no")
	b.open("/requests/"+draft+"/edit", "")
	ctx, p := context.Background(), domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
	r, err := e.requests.GetRequest(ctx, p, draft)
	if err != nil {
		t.Fatal(err)
	}
	d := r.Details
	d.Purpose = "Amended by a colleague"
	if _, err := e.requests.UpdateDetails(ctx, p, draft, r.Version, d); err != nil {
		t.Fatal(err)
	}
	b.typeIn("#f-exercise-name", " (amended)")
	b.click(`.actions button[value="save"]`, "stale-amendment")
	if !strings.Contains(b.text(".error-summary"), "Someone changed this request meanwhile") || !strings.Contains(b.text(".error-summary"), "Exercise name, Purpose") {
		t.Fatalf("stale amendment: %s", b.text("main"))
	}
	b.do(chromedp.Click(chromedp.CSS("#f-confirm-version")))
	b.click(`.actions button[value="save"]`, "")
	if b.text(".notice") != "Draft saved." {
		t.Fatalf("saved over the current version: %s", b.text("main"))
	}
	if r, _ := e.requests.GetRequest(ctx, p, draft); !strings.Contains(r.ExerciseName, "(amended)") || r.Purpose != "Winter training with Swedish units" {
		t.Fatalf("after saving over: %q %q", r.ExerciseName, r.Purpose)
	}
	b.signOut()

	b.signIn("hns")
	b.open("/requests/"+inReview, "")
	b.do(chromedp.Click(chromedp.CSS("#f-outcome-reject")))
	b.click(`form[action$="/decide"] button[type="submit"]`, "decision-errors")
	if !strings.Contains(b.text(".error-summary"), "Comment: give your reasons") {
		t.Fatalf("decision errors: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("gov")
	b.open("/requests/"+inReview, "")
	if !strings.Contains(b.text("main"), "There is no stage of this request you may decide now.") {
		t.Fatalf("ministry before its stage: %s", b.text("main"))
	}
	b.open("/requests/"+approved, "")
	b.click(`form[action$="/revoke"] button`, "")
	b.click(`main form button.danger`, "revoke-errors")
	if !strings.Contains(b.text(".error-summary"), "Reason for revoking: is required") {
		t.Fatalf("revoke without a reason: %s", b.text("main"))
	}
	b.typeIn("#f-revoke-reason", "Range closed by fire")
	b.click(`form[action$="/revoke"] button`, "")
	b.click(`main form button.danger`, "")
	if b.text(".notice") != "The permit was revoked." {
		t.Fatalf("after revoking: %s", b.text("main"))
	}
	b.signOut()

	b.signIn("lo-no")
	b.open("/requests/"+approved+"/permit", "")
	if got := b.text(".permit-reason"); got != "Reason given: “Range closed by fire”" {
		t.Fatalf("revoked permit: %s", b.text("main"))
	}
	t.Logf("axe-core checked %d pages", b.pages)
}
