package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// inboxItemsAbout are the inbox items of p about the request id: linked
// to it (read) or opened by a form that goes to it (unread).
func inboxItemsAbout(p page, id string) *goquery.Selection {
	return p.Doc.Find("ul.inbox li").FilterFunction(func(_ int, li *goquery.Selection) bool {
		return li.Find(`h2 a[href="/requests/`+id+`"], form input[name="to"][value="/requests/`+id+`"]`).Length() > 0
	})
}

// TestInboxOpenMarksRead: following an unread notification to its request
// is a POST (the subject, a button of a form with the CSRF token) that
// marks it read and goes to the request page; only its recipient can, a
// GET changes nothing, and a target that is no request page of the
// console returns to the inbox.
func TestInboxOpenMarksRead(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		first := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		second := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		page := lo.get("/inbox")
		item := inboxItemsAbout(page, first)
		button := item.Find(`h2 button[type="submit"]`)
		formID := button.AttrOr("form", "")
		form := item.Find(`form#` + formID)
		action := form.AttrOr("action", "")
		if item.Length() != 1 || formID == "" || form.Length() != 1 || !strings.HasSuffix(action, "/open") ||
			form.AttrOr("method", "") != "post" || form.Find(`input[name="csrf"]`).Length() != 1 ||
			strings.TrimSpace(button.Text()) == "" {
			t.Fatalf("the unread item's link is no POST form: %s", outer(item))
		}
		to := func() url.Values { return url.Values{"to": {"/requests/" + first}} }

		de := e.client().signIn("lo-de")
		wantStatus(t, de.post(action, to()), http.StatusNotFound)
		wantStatus(t, lo.post(action, url.Values{"to": {"/requests/" + first}, "csrf": {"forged"}}), http.StatusForbidden)
		if g := lo.get(action); g.Status != http.StatusSeeOther || g.Header.Get("Location") != "/inbox" {
			t.Fatalf("GET %s: %d to %q, want the inbox, nothing marked", action, g.Status, g.Header.Get("Location"))
		}
		if got := inboxLink(lo.get("/inbox")); got != "Inbox (2 unread)" {
			t.Fatalf("after another user's, a forged and a GET open: %q", got)
		}

		p := lo.post(action, to())
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/requests/"+first {
			t.Fatalf("open: %d to %q", p.Status, p.Header.Get("Location"))
		}
		page = lo.get("/inbox")
		if got := inboxLink(page); got != "Inbox (1 unread)" {
			t.Fatalf("after opening one: %q", got)
		}
		if read := inboxItemsAbout(page, first); !read.HasClass("read") || read.Find(`h2 a[href="/requests/`+first+`"]`).Length() != 1 {
			t.Fatalf("the opened item: %s", outer(read))
		}

		// A target that is no request page is not followed.
		other := inboxItemsAbout(page, second).Find("form").First().AttrOr("action", "")
		p = lo.post(other, url.Values{"to": {"https://evil.example/requests/x"}})
		if loc := p.Header.Get("Location"); p.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/inbox?done=read") {
			t.Fatalf("open to elsewhere: %d to %q", p.Status, loc)
		}
		for _, bad := range []string{"//evil.example", "/requests/", "/requests/a/../../admin", "/requests/a?b", "/admin"} {
			if _, ok := requestTarget(bad); ok {
				t.Errorf("requestTarget(%q) accepted", bad)
			}
		}
	})
}

// TestInboxMarkReadKeepsPlace: "Mark read" returns to the same item of the
// inbox page, or, on the unread-only list that no longer shows it, to the
// next one: its heading focusable, focused by autofocus and named by the
// address's fragment, so a keyboard user keeps their place.
func TestInboxMarkReadKeepsPlace(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	oldest := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	middle := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	itemID := func(p page, request string) string {
		return strings.TrimPrefix(inboxItemsAbout(p, request).Find("h2").AttrOr("id", ""), "n-")
	}
	focusedOn := func(loc, id string) {
		t.Helper()
		base, frag, _ := strings.Cut(loc, "#")
		page := lo.get(base)
		h := page.Doc.Find("#n-" + id)
		if _, auto := h.Attr("autofocus"); frag != "n-"+id || !auto || h.AttrOr("tabindex", "") != "-1" ||
			page.Doc.Find("[autofocus]").Length() != 1 {
			t.Fatalf("%s: the page does not come back focused on item %s: %s", loc, id, outer(h))
		}
	}
	for _, c := range []struct{ back, request, focus string }{
		{"/inbox?unread=1", middle, oldest}, // it leaves the page: the next one
		{"/inbox", oldest, oldest},          // the item stays on the page, marked read
	} {
		page := lo.get(c.back)
		id := itemID(page, c.request)
		form := inboxItemsAbout(page, c.request).Find(`form[action$="/read"]`)
		in := url.Values{"back": {c.back}}
		form.Find(`input[name="near"]`).Each(func(_ int, s *goquery.Selection) { in.Set("near", s.AttrOr("value", "")) })
		p := lo.post("/inbox/"+id+"/read", in)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/inbox?done=read&focus=") {
			t.Fatalf("mark read from %s: %d to %q", c.back, p.Status, p.Header.Get("Location"))
		}
		focusedOn(p.Header.Get("Location"), itemID(lo.get("/inbox"), c.focus))
	}
	// A focus that names no item of the page focuses nothing.
	if n := lo.get("/inbox?focus=nothing").Doc.Find("[autofocus]").Length(); n != 0 {
		t.Fatalf("%d elements autofocused for an unknown item", n)
	}
}

// TestInboxShowsCurrentStatus: beside each item about a request its
// reader may open, the request's status now, the notice's own text kept
// as sent; a stage notice whose stage was decided or whose request left
// review says it no longer needs the reader's decision.
func TestInboxShowsCurrentStatus(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		decided := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		withdrawn := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		waiting := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.decideAs("hns", domain.RoleHNS, decided, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
		ctx, liaison := context.Background(), domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
		r, err := e.requests.GetRequest(ctx, liaison, withdrawn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.requests.Withdraw(ctx, liaison, withdrawn, r.Version, "Exercise cancelled"); err != nil {
			t.Fatal(err)
		}

		now := func(p page, id string) string {
			return strings.Join(strings.Fields(inboxItemsAbout(p, id).Find(".inbox-now").Text()), " ")
		}
		hns := e.client().signIn("hns").get("/inbox")
		for id, want := range map[string]string{
			decided:   "Now: In review. No longer needs your decision.",
			withdrawn: "Now: Withdrawn. No longer needs your decision.",
			waiting:   "Now: In review",
		} {
			if got := now(hns, id); got != want {
				t.Errorf("hns's item about %s: %q, want %q", id, got, want)
			}
		}
		mine := lo.get("/inbox")
		receipt := inboxItemsAbout(mine, withdrawn).FilterFunction(func(_ int, li *goquery.Selection) bool {
			return strings.Contains(li.Find("p.comment").Text(), "Receipt")
		})
		if got := strings.Join(strings.Fields(receipt.Find(".inbox-now").Text()), " "); got != "Now: Withdrawn" ||
			!strings.Contains(receipt.Find("p.comment").Text(), "Status: In review") {
			t.Errorf("lo-no's receipt of the withdrawn request: %q; text %q", got, receipt.Text())
		}
		if got := now(mine, waiting); got != "Now: In review" {
			t.Errorf("lo-no's item about the waiting request: %q", got)
		}
		de := e.client().signIn("lo-de").get("/inbox")
		if strings.Contains(de.Doc.Text(), withdrawn) || de.Doc.Find(".inbox-now").Length() != 0 {
			t.Errorf("lo-de sees lo-no's requests: %s", de.Doc.Find("main").Text())
		}
	})
}

// outer is s's HTML, for a failure message.
func outer(s *goquery.Selection) string {
	h, _ := goquery.OuterHtml(s)
	return h
}
