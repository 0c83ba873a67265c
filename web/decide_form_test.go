package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestDecisionFormSaysForWhomAndWhenOverrideCounts: gov, deciding the
// operations stage by ops's delegation, is told on the form that they
// decide it for ops and until when; ops, who holds the role, is told
// nothing of the kind. The override reason is offered only where an
// approval would approve the request — the only decision the training
// areas are checked for: not while range safety is still open beside
// operations, and then, once operations is the last stage, yes.
func TestDecisionFormSaysForWhomAndWhenOverrideCounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ops := e.client().signIn("ops")
		if p := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})

		gov := e.client().signIn("gov")
		form := gov.get("/requests/" + id).Doc.Find(`form[action$="/decide"]`)
		if form.Length() != 1 {
			t.Fatal("gov, delegate of operations, has no decision form")
		}
		want := "You decide this stage for ops (delegated until 2026-12-31 24:00 CET (Stockholm))."
		if got := strings.TrimSpace(form.Find("#f-stage-for").Text()); got != want {
			t.Errorf("the delegate is told %q, want %q", got, want)
		}
		if got := form.Find("#f-stage").AttrOr("aria-describedby", ""); got != "f-stage-for" {
			t.Errorf("the stage select is described by %q", got)
		}
		if form.Find(`[name="override_reason"]`).Length() != 0 {
			t.Error("an override reason is offered while range safety is still open")
		}
		if p := ops.get("/requests/" + id); p.Doc.Find("#f-stage-for").Length() != 0 || p.Doc.Find(`[name="override_reason"]`).Length() != 0 {
			t.Errorf("ops, holding the role: %s", p.Doc.Find("#f-stage-for").Text())
		}

		e.decideAs("range", domain.RoleRange, id, domain.DecisionInput{Stage: "range_safety", Outcome: domain.OutcomeApprove})
		form = gov.get("/requests/" + id).Doc.Find(`form[action$="/decide"]`)
		if form.Find(`input[name="override_reason"]`).Length() != 1 {
			t.Error("no override reason on the final approval")
		}
		if got := strings.TrimSpace(form.Find("#f-stage-for").Text()); got != want {
			t.Errorf("the delegate is told %q, want %q", got, want)
		}
	})
}
