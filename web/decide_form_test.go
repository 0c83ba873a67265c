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

// TestStaleDecisionKeepsWhatWasTyped: ops decides on a page of before
// range safety decided; the decision is not recorded (409), and the form
// comes back at the new version with the comment, conditions and
// override reason ops typed, the stage ops chose, and no outcome chosen:
// deciding still takes a deliberate click.
func TestStaleDecisionKeepsWhatWasTyped(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})

		ops := e.client().signIn("ops")
		old := ops.get("/requests/" + id)
		version := formVersion(old, "decide")
		e.decideAs("range", domain.RoleRange, id, domain.DecisionInput{Stage: "range_safety", Outcome: domain.OutcomeApprove})

		p := ops.post("/requests/"+id+"/decide", url.Values{"version": {version}, "stage": {"operations"}, "outcome": {"approve"},
			"comment": {"Checked with the garrison."}, "conditions": {"No night movement\nEscort on E14"},
			"override_reason": {"Agreed with the area owner"}})
		wantStatus(t, p, http.StatusConflict)
		form := p.Doc.Find(`form[action$="/decide"]`)
		if form.Length() != 1 {
			t.Fatal("no decision form on the stale page")
		}
		if got := formVersion(p, "decide"); got == version || got == "" {
			t.Errorf("the form carries version %q, the stale one was %q", got, version)
		}
		if got := form.Find(`textarea[name="comment"]`).Text(); got != "Checked with the garrison." {
			t.Errorf("comment %q", got)
		}
		if got := form.Find(`textarea[name="conditions"]`).Text(); got != "No night movement\nEscort on E14" {
			t.Errorf("conditions %q", got)
		}
		if got := form.Find(`input[name="override_reason"]`).AttrOr("value", ""); got != "Agreed with the area owner" {
			t.Errorf("override reason %q", got)
		}
		if got := form.Find(`select[name="stage"] option[selected]`).AttrOr("value", ""); got != "operations" {
			t.Errorf("stage %q", got)
		}
		if n := form.Find(`input[name="outcome"][checked]`).Length(); n != 0 {
			t.Errorf("%d outcomes chosen on the stale page", n)
		}
		if !strings.Contains(p.Doc.Find(".warn, [role=alert], [role=status]").Text(), "your decision was not recorded") {
			t.Errorf("no stale notice: %s", p.Doc.Find("main").Text())
		}
	})
}
