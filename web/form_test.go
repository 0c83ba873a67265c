package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// TestFormErrorsKeepInput: a form with bad fields comes back with an error
// summary whose every link points at a field on the page, the error beside
// the field, and everything typed still there; nothing is stored.
func TestFormErrorsKeepInput(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		c := e.client().signIn("lo-no")
		f := validForm()
		f.Set("exercise_name", "")
		f.Set("vehicles[0].count", "twelve")
		f.Set("contact.email", "not-an-address")
		f.Set("training_areas[0].to", "2027-04-30") // outside the period
		f.Set("action", "save")
		p := c.post("/requests/new", f)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		links := p.Doc.Find(".error-summary a")
		want := map[string]bool{"#f-exercise-name": false, "#f-vehicles-0-count": false, "#f-contact-email": false, "#f-training-areas-0-from": false}
		links.Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			if _, ok := want[href]; ok {
				want[href] = true
			}
			if p.Doc.Find(href).Length() != 1 {
				t.Errorf("summary link %s points at nothing", href)
			}
		})
		for href, seen := range want {
			if !seen {
				t.Errorf("no summary link to %s; summary: %s", href, p.Doc.Find(".error-summary").Text())
			}
		}
		if msg := p.Doc.Find("#f-vehicles-0-count-error").Text(); !strings.Contains(msg, "whole number") {
			t.Errorf("vehicle count error %q", msg)
		}
		for id, v := range map[string]string{"#f-vehicles-0-count": "twelve", "#f-contact-email": "not-an-address",
			"#f-unit-designation": "Telemark Battalion", "#f-movements-1-at": "2027-03-20 17:00"} {
			if got, _ := p.Doc.Find(id).Attr("value"); got != v {
				t.Errorf("%s = %q, want %q kept", id, got, v)
			}
		}
		if sel := p.Doc.Find("#f-training-areas-0-area option[selected]").AttrOr("value", ""); sel != "ravlunda" {
			t.Errorf("area select lost: %q", sel)
		}
		if got := c.get("/requests").Doc.Find("tbody tr").Length(); got != 0 {
			t.Fatalf("%d requests stored from a bad form", got)
		}
	})
}

// TestAddAndRemoveRows: without JavaScript, "add a row" re-renders the form
// with one more row and everything typed; "remove row" takes one out.
func TestAddAndRemoveRows(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	c := e.client().signIn("lo-no")
	p := c.post("/requests/new", withValue(validForm(), "action", "add:vessels"))
	wantStatus(t, p, http.StatusOK)
	if p.Doc.Find("#f-vessels-0-name").Length() != 1 || p.Doc.Find(".error-summary").Length() != 0 {
		t.Fatal("no empty vessel row, or errors shown for an unfinished form")
	}
	if v, _ := p.Doc.Find("#f-exercise-name").Attr("value"); v != "Cold Response 27" {
		t.Fatalf("input lost on add row: %q", v)
	}
	p = c.post("/requests/new", withValue(validForm(), "action", "remove:movements:0"))
	if got := p.Doc.Find(`select[name^="movements["][name$="].direction"]`).Length(); got != 1 {
		t.Fatalf("%d movement rows after removing one of two", got)
	}
	if v := p.Doc.Find("#f-movements-0-direction option[selected]").AttrOr("value", ""); v != "exit" {
		t.Fatalf("the wrong row was removed: first is now %q", v)
	}
}

// TestDryRunStoresNothing shows the route and deadlines of an unsaved form.
func TestDryRunStoresNothing(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	c := e.client().signIn("lo-no")
	p := c.post("/requests/new", withValue(validForm(), "action", "dryrun"))
	wantStatus(t, p, http.StatusOK)
	text := p.Doc.Find("#dryrun-title").Parent().Text()
	for _, w := range []string{"Eligible", "Host nation support (intake)", "Range safety", "Operations", "(Stockholm)"} {
		if !strings.Contains(text, w) {
			t.Errorf("dry run lacks %q: %s", w, text)
		}
	}
	if got := c.get("/requests").Doc.Find("tbody tr").Length(); got != 0 {
		t.Fatalf("a dry run stored %d requests", got)
	}
}

// TestChangesRequestedAndResubmit: the approver's comment is at the top of
// the amend form, and the amended request goes back to review.
func TestChangesRequestedAndResubmit(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		hns := e.client().signIn("hns")
		page := hns.get("/requests/" + id)
		version := page.Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
		p := hns.post("/requests/"+id+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
			"comment": {"Add the exit crossing time in local time."}, "version": {version}})
		requestID(t, p)
		edit := lo.get("/requests/" + id + "/edit")
		wantStatus(t, edit, http.StatusOK)
		if got := edit.Doc.Find(".callout .comment").Text(); got != "Add the exit crossing time in local time." {
			t.Fatalf("approver's comment on the form: %q", got)
		}
		f := validForm()
		f.Set("purpose", "Winter training, amended")
		f.Set("version", edit.Doc.Find(`input[name="version"]`).AttrOr("value", ""))
		f.Set("action", "submit")
		requestID(t, lo.post("/requests/"+id+"/edit", f))
		r, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, id)
		if err != nil || r.Status != domain.StatusInReview || r.Purpose != "Winter training, amended" {
			t.Fatalf("after resubmit: %v %+v", err, r)
		}
	})
}

// TestStaleDecision: a decision sent from a page rendered before someone
// else decided is not recorded; the page says so and shows the new state.
func mustAtoi(t testing.TB, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}

func TestStaleDecision(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		ops := e.client().signIn("hns")
		first := ops.get("/requests/" + id)
		version := first.Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
		// Another intake officer's decision lands first, through the same service.
		if _, err := e.approvals.Decide(context.Background(), domain.Principal{Subject: "hns-colleague", Roles: []domain.Role{domain.RoleHNS}},
			id, mustAtoi(t, version), domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove}); err != nil {
			t.Fatal(err)
		}
		p := ops.post("/requests/"+id+"/decide", url.Values{"stage": {"intake"}, "outcome": {"reject"},
			"comment": {"Too late."}, "version": {version}})
		wantStatus(t, p, http.StatusConflict)
		if !strings.Contains(p.Doc.Find(".warn").Text(), "Someone decided or changed this request meanwhile") {
			t.Fatalf("no stale notice: %q", p.Doc.Find(".warn").Text())
		}
		if !strings.Contains(p.Doc.Find("ol.route").Text(), "hns-colleague: Approve") {
			t.Fatalf("the new state is not shown: %s", p.Doc.Find("ol.route").Text())
		}
		r, _ := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, id)
		if r.Status != domain.StatusInReview {
			t.Fatalf("the stale rejection was recorded: %s", r.Status)
		}
	})
}

// TestDraftSubmitWithdrawFromItsPage: a saved draft is submitted and then
// withdrawn with the buttons of its page, each carrying the version.
func TestDraftSubmitWithdrawFromItsPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "save")))
		page := lo.get("/requests/" + id + "?done=saved")
		if !strings.Contains(page.Doc.Find(".notice").Text(), "Draft saved") || page.Doc.Find(".badge").Text() != "Draft" {
			t.Fatalf("draft page: notice %q, badge %q", page.Doc.Find(".notice").Text(), page.Doc.Find(".badge").Text())
		}
		v := page.Doc.Find(`form[action$="/submit"] input[name="version"]`).AttrOr("value", "")
		requestID(t, lo.post("/requests/"+id+"/submit", url.Values{"version": {v}}))
		page = lo.get("/requests/" + id)
		if page.Doc.Find(".badge").First().Text() != "In review" || !strings.Contains(page.Doc.Find(".meta").First().Text(), "SE-2026-EXA-") {
			t.Fatalf("after submit: %q", page.Doc.Find("h1").Text())
		}
		stale := lo.post("/requests/"+id+"/withdraw", url.Values{"confirm": {"yes"}, "version": {v}, "reason": {"old page"}})
		if stale.Header.Get("Location") != "/requests/"+id+"?done=stale" {
			t.Fatalf("withdraw from a stale page: %d %q", stale.Status, stale.Header.Get("Location"))
		}
		v = page.Doc.Find(`form[action$="/withdraw"] input[name="version"]`).AttrOr("value", "")
		requestID(t, lo.post("/requests/"+id+"/withdraw", url.Values{"confirm": {"yes"}, "version": {v}, "reason": {"Exercise cancelled"}}))
		page = lo.get("/requests/" + id)
		if page.Doc.Find(".badge").First().Text() != "Withdrawn" || page.Doc.Find(`form[action$="/withdraw"]`).Length() != 0 {
			t.Fatalf("after withdraw: badge %q", page.Doc.Find(".badge").First().Text())
		}
	})
}
