package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/internal/apptest"

	"github.com/PuerkitoBio/goquery"
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
	check := func(what string, p page, status int) {
		t.Helper()
		wantStatus(t, p, status)
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
	check("dry run", lo.post("/requests/new", withValue(validForm(), "action", "dryrun")), http.StatusUnprocessableEntity)

	// Save and submit: the draft is saved, the submit refused; the draft's
	// amend form says why.
	check("save and submit", lo.follow(lo.post("/requests/new", withValue(validForm(), "action", "submit"))), http.StatusOK)
	page, err := e.requests.ListRequests(context.Background(), domain.Principal{Subject: "lo-no",
		Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, domain.RequestFilter{Limit: 10})
	if err != nil || len(page.Items) != 1 || page.Items[0].Status != domain.StatusDraft {
		t.Fatalf("after the refused submit: %v, %+v; want one draft", err, page)
	}
	r := page.Items[0]
	check("submit", lo.post("/requests/"+r.ID+"/submit", url.Values{"version": {"1"}}), http.StatusUnprocessableEntity)
	if got, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "lo-no",
		Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, r.ID); err != nil || got.Version != r.Version || got.Status != domain.StatusDraft {
		t.Fatalf("after the refused submit: %v, %+v; want the draft unchanged", err, got)
	}
}

// TestPolicyErrorKeepsTheForm: a dry run that the policy cannot decide
// ("Check route and deadlines") answers with the form again, everything
// typed still in it, the policy's words and the request id to quote at the
// top — it was the error page, and the officer's typing was lost. So does
// "Save and submit": the draft is saved, and its amend form, at the draft's
// address, shows what was typed (now saved) and the problem.
func TestPolicyErrorKeepsTheForm(t *testing.T) {
	policy := apptest.PolicyWith(t, `when: "request.live_fire || request.dangerous_goods || size(request.training_areas) > 0"`,
		`when: "request.personnel.total / request.vessels.total > 0"`)
	e := newEnvPolicy(t, storagetestSQLite(t), false, nil, policy)
	lo := e.client().signIn("lo-no")

	typed := validForm()
	p := lo.post("/requests/new", withValue(typed, "action", "dryrun"))
	wantStatus(t, p, http.StatusUnprocessableEntity)
	wantTyped(t, p, `form[action="/requests/new"]`, typed)
	problem := strings.Join(strings.Fields(p.Doc.Find(`.error-summary[aria-labelledby="problem-title"]`).Text()), " ")
	for _, part := range []string{"The route could not be worked out", `stage "range_safety"`, "could not be evaluated",
		"still in the form", p.Header.Get("X-Request-Id")} {
		if !strings.Contains(problem, part) {
			t.Errorf("the problem does not say %q: %q", part, problem)
		}
	}
	if got := lo.get("/requests").Doc.Find("tbody tr").Length(); got != 0 {
		t.Fatalf("a dry run stored %d requests", got)
	}

	p = lo.follow(lo.post("/requests/new", withValue(typed, "action", "submit")))
	wantStatus(t, p, http.StatusOK)
	form := p.Doc.Find(`form[action$="/edit"]`)
	id := strings.TrimSuffix(strings.TrimPrefix(form.AttrOr("action", ""), "/requests/"), "/edit")
	if form.Length() != 1 || id == "" {
		t.Fatalf("no amend form of the saved draft: %s", strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "))
	}
	wantTyped(t, p, `form[action$="/edit"]`, typed)
	if !strings.Contains(p.Doc.Find(`.error-summary[aria-labelledby="problem-title"]`).Text(), "could not be evaluated") {
		t.Errorf("the submit's problem is not shown: %s", p.Doc.Find("main").Text())
	}
}

// wantTyped checks that the form sel of p holds every value of typed (but
// its action): a text input's value, a textarea's text, a select's chosen
// option, a checkbox ticked for "on".
func wantTyped(t *testing.T, p page, sel string, typed url.Values) {
	t.Helper()
	form := p.Doc.Find(sel)
	if form.Length() != 1 {
		t.Fatalf("%d forms %s on the page: %s", form.Length(), sel, strings.Join(strings.Fields(p.Doc.Find("main").Text()), " "))
	}
	for name, vs := range typed {
		if name == "action" || name == "csrf" {
			continue
		}
		el := form.Find(`[name="` + name + `"]`)
		var got string
		switch {
		case el.Length() == 0:
			t.Errorf("%s: no field on the page", name)
			continue
		case goquery.NodeName(el) == "textarea":
			got = strings.TrimPrefix(el.Text(), "\n")
		case goquery.NodeName(el) == "select":
			got = el.Find("option[selected]").AttrOr("value", "")
		case el.AttrOr("type", "") == "checkbox":
			if _, ok := el.Attr("checked"); ok {
				got = "on"
			}
		default:
			got = el.AttrOr("value", "")
		}
		if got != vs[0] {
			t.Errorf("%s = %q, want %q kept", name, got, vs[0])
		}
	}
}
