package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/apptest"
)

// TestPolicyErrorPage: under a policy whose stage condition cannot be
// evaluated for the request (a division by zero), the console's dry run
// and its submit answer 422 with the page naming the stage and the request
// id to quote — they were the 500 page — and the submit leaves the draft
// as it was.
func TestPolicyErrorPage(t *testing.T) {
	policy := apptest.PolicyWith(t, `when: "request.live_fire || request.dangerous_goods || size(request.training_areas) > 0"`,
		`when: "request.personnel.total / request.vessels.total > 0"`)
	e := newEnvPolicy(t, storagetestSQLite(t), false, nil, policy)
	lo := e.client().signIn("lo-no")
	check := func(what string, p page) {
		t.Helper()
		wantStatus(t, p, http.StatusUnprocessableEntity)
		text := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
		for _, part := range []string{`stage "range_safety"`, "could not be evaluated", p.Header.Get("X-Request-Id")} {
			if !strings.Contains(text, part) {
				t.Errorf("%s: the page does not say %q: %s", what, part, text)
			}
		}
		if strings.Contains(text, "vessels") {
			t.Errorf("%s: the page shows the condition: %s", what, text)
		}
	}
	check("dry run", lo.post("/requests/new", withValue(validForm(), "action", "dryrun")))

	// Save and submit: the draft is saved, the submit refused.
	check("save and submit", lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	page, err := e.requests.ListRequests(context.Background(), domain.Principal{Subject: "lo-no",
		Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, domain.RequestFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].Status != domain.StatusDraft {
		t.Fatalf("after the refused submit: %v, %+v; want one draft", err, page)
	}
	r := page.Items[0]
	check("submit", lo.post("/requests/"+r.ID+"/submit", url.Values{"version": {"1"}}))
	if got, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "lo-no",
		Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, r.ID); err != nil || got.Version != r.Version || got.Status != domain.StatusDraft {
		t.Fatalf("after the refused submit: %v, %+v; want the draft unchanged", err, got)
	}
}
