package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestQueueRoleFilterOffersDelegatedRoles: the queue's role filter offers
// the roles the queue accepts, held or by a running delegation, and shows
// the one chosen; a role refused (a bookmark kept after the delegation
// ended) is an error of the filter's Role field, with the domain's words,
// on the page with its filter form, not an error page.
func TestQueueRoleFilterOffersDelegatedRoles(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ops := e.client().signIn("ops")
		if p := ops.post("/delegations", url.Values{"to": {"gov"}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})

		gov := e.client().signIn("gov")
		p := gov.get("/queue")
		wantStatus(t, p, http.StatusOK)
		var offered []string
		p.Doc.Find(`select[name="role"] option`).Each(func(_ int, o *goquery.Selection) { offered = append(offered, o.AttrOr("value", "")) })
		if strings.Join(offered, ",") != ",operations_approver,ministry" && strings.Join(offered, ",") != ",ministry,operations_approver" {
			t.Errorf("the role filter offers %q", offered)
		}

		p = gov.get("/queue?role=operations_approver")
		wantStatus(t, p, http.StatusOK)
		if got := p.Doc.Find(`select[name="role"] option[selected]`).AttrOr("value", ""); got != "operations_approver" {
			t.Errorf("the role filter shows %q chosen", got)
		}
		if !strings.Contains(p.Doc.Find("table").Text(), "Cold Response 27") {
			t.Error("the delegated role's stage is not listed")
		}

		p = gov.get("/queue?role=range_officer")
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.Doc.Find(`form[action="/queue"] select[name="role"]`).Length() != 1 {
			t.Fatal("no filter form on the refused filter's page")
		}
		wantFieldError(t, p, "f-role", `Role: you hold no role "range_officer" directly or by an active delegation`, "you hold no role")
		if strings.Contains(p.Doc.Find("main").Text(), "Bad role filter") {
			t.Error("the page says only 'Bad role filter'")
		}
	})
}
