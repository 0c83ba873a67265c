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

// readAllForm is the inbox page's "Mark all read" form, its hidden fields
// as the browser sends them.
func readAllForm(t *testing.T, p page) url.Values {
	t.Helper()
	form := p.Doc.Find(`form[action="/inbox/read-all"]`)
	if form.Length() != 1 {
		t.Fatalf("%d \"Mark all read\" forms on the page: %s", form.Length(), p.Doc.Find("main").Text())
	}
	in := url.Values{}
	form.Find(`input[type="hidden"]`).Each(func(_ int, s *goquery.Selection) {
		in.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return in
}

// TestInboxMarkAllReadLeavesLaterNotices: "Mark all read" marks the
// notifications the page showed and every older one, and not one that
// arrived between showing the page and the click: a "Review needed"
// submitted meanwhile stays unread.
func TestInboxMarkAllReadLeavesLaterNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		shown := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		hns := e.client().signIn("hns")
		page := hns.get("/inbox")
		in := readAllForm(t, page)
		if in.Get("upto") == "" {
			t.Fatalf("the form names no newest notification: %v", in)
		}
		if !strings.Contains(page.Doc.Find(".inbox-tools").Text(), "arrive after") {
			t.Errorf("the form does not say what it marks: %q", page.Doc.Find(".inbox-tools").Text())
		}
		later := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))

		p := hns.post("/inbox/read-all", in)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/inbox?done=all" {
			t.Fatalf("mark all read: %d to %q", p.Status, p.Header.Get("Location"))
		}
		after := hns.get(p.Header.Get("Location"))
		if got := inboxLink(after); got != "Inbox (1 unread)" {
			t.Errorf("header after mark all read: %q, want the later notice unread", got)
		}
		if inboxItemsAbout(after, shown).Filter(".unread").Length() != 0 {
			t.Errorf("the notice shown is still unread")
		}
		if inboxItemsAbout(after, later).Filter(".unread").Length() != 1 {
			t.Errorf("the notice that arrived after the page was shown was marked read: %s", after.Doc.Find("main").Text())
		}
		// Without a position (a page from before this form) nothing is
		// marked: the page comes back, saying so.
		p = hns.post("/inbox/read-all", url.Values{"back": {"/inbox"}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/inbox?done=none" {
			t.Fatalf("mark all read without upto: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if got := inboxLink(hns.follow(p)); got != "Inbox (1 unread)" {
			t.Errorf("header after a mark all read without upto: %q", got)
		}
		// Another user's notification as the bound is the 404 page.
		other := lo.get("/inbox").Doc.Find(`ul.inbox h2`).First().AttrOr("id", "")
		wantStatus(t, hns.post("/inbox/read-all", url.Values{"upto": {strings.TrimPrefix(other, "n-")}}), http.StatusNotFound)
		if got := inboxLink(lo.get("/inbox")); got != "Inbox (2 unread)" {
			t.Errorf("lo-no's header after hns's attempt: %q", got)
		}
	})
}

// TestInboxAfterLosingARole: an approver moved to another approver role
// still sees the old role's "Review needed", its subject kept, marked
// "No longer needs your decision", not counted unread and not on
// "Unread only"; the role's e-mail is withheld by the same rule.
func TestInboxAfterLosingARole(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		if got := inboxLink(e.client().signIn("hns").get("/inbox")); got != "Inbox (1 unread)" {
			t.Fatalf("hns before the move: %q", got)
		}
		ctx := context.Background()
		u, err := e.db.GetUserByUsername(ctx, "hns")
		if err != nil {
			t.Fatal(err)
		}
		roles := []domain.Role{domain.RoleRange}
		if _, err := e.accounts.Change(ctx, "admin", u.ID, u.Version, domain.UserChange{Roles: &roles, Reason: "moved"}); err != nil {
			t.Fatal(err)
		}
		e.cache.Forget("hns")
		moved := e.client().signIn("hns")
		page := moved.get("/inbox")
		wantStatus(t, page, http.StatusOK)
		if got := inboxLink(page); got != "Inbox" {
			t.Errorf("header after losing the role: %q, want nothing unread", got)
		}
		item := inboxItemsAbout(page, id)
		now := strings.Join(strings.Fields(item.Find(".inbox-now").Text()), " ")
		if item.Length() != 1 || now != "Now: In review. No longer needs your decision." ||
			!strings.Contains(item.Find("h2").Text(), "Review needed") {
			t.Fatalf("the old role's notice: %q; %s", now, outer(item))
		}
		if item.Find(".badge-unread").Length() != 0 || item.Find(`form[action$="/read"]`).Length() != 0 {
			t.Errorf("the old role's notice is shown unread: %s", outer(item))
		}
		if n := moved.get("/inbox?unread=1").Doc.Find("ul.inbox li").Length(); n != 0 {
			t.Errorf("\"Unread only\" lists %d items after losing the role", n)
		}
	})
}
