package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestDelegationToAHolderIsRefused: gov2 delegating "Ministry" to gov, who
// holds it already, is refused at the delegate's field with the domain's
// reason, and nothing is delegated. The form offers, as a list tied to
// that field (a datalist: it stays a text input without script), exactly
// the enabled approvers who may receive the role: not gov2, not gov (who
// holds it), not the disabled range officer, nobody without an approver
// role.
func TestDelegationToAHolderIsRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.disable("range", "posted abroad")
		gov2 := e.client().signIn("gov2")
		p := gov2.post("/delegations", url.Values{"to": {"gov"}, "role": {"ministry"}, "ends": {"2026-12-31"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantFieldError(t, p, "f-to", "Delegate: "+domain.DelegateHoldsRoleMessage, domain.DelegateHoldsRoleMessage)
		if got := p.Doc.Find("#f-to").AttrOr("value", ""); got != "gov" {
			t.Errorf("the delegate typed: %q", got)
		}
		if p.Doc.Find("main table tbody tr").Length() != 0 {
			t.Error("a delegation was made")
		}

		page := gov2.get("/delegations")
		to := page.Doc.Find("#f-to")
		list := to.AttrOr("list", "")
		if to.AttrOr("type", "") != "text" || list == "" {
			t.Fatalf("the delegate field offers no list: %v", to.Nodes)
		}
		var offered []string
		page.Doc.Find("datalist#" + list + " option").Each(func(_ int, o *goquery.Selection) { offered = append(offered, o.AttrOr("value", "")) })
		if want := []string{"hns", "ops", "ops2"}; !slices.Equal(offered, want) {
			t.Errorf("offered %v, want %v", offered, want)
		}
		if got := spacedText(page.Doc.Find("main details")); !strings.Contains(got, "hns") || strings.Contains(got, "gov") {
			t.Errorf("the list without a datalist: %s", got)
		}
		if p := gov2.post("/delegations", url.Values{"to": {"ops2"}, "role": {"ministry"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("delegate to one offered: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
	})
}
