package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"

	"github.com/PuerkitoBio/goquery"
)

// stockholmShown is a time as the console's pages show it.
var stockholmShown = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d CES?T \(Stockholm\)`)

// inboxLink is the header's inbox link text, spaces collapsed.
func inboxLink(p page) string {
	return strings.Join(strings.Fields(p.Doc.Find(`header a[href="/inbox"]`).Text()), " ")
}

// TestInboxPage: the header of every page counts the unread notifications
// in words; the inbox lists the user's own, marks the unread ones in
// words, links each to its request, and marks one or all read with the
// CSRF token; another user's notification is a 404 page.
func TestInboxPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		if got := inboxLink(lo.get("/requests")); got != "Inbox" {
			t.Fatalf("header before any notification: %q", got)
		}
		no := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		de := e.client().signIn("lo-de")
		deID := requestID(t, de.post("/requests/new", withValue(validForm(), "action", "submit")))
		if got := inboxLink(lo.get("/requests")); got != "Inbox (1 unread)" {
			t.Fatalf("header after submitting: %q", got)
		}
		hns := e.client().signIn("hns")
		version := hns.get("/requests/"+no).Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
		requestID(t, hns.post("/requests/"+no+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
			"comment": {"Add the commander."}, "version": {version}}))
		if got := inboxLink(hns.get("/queue")); got != "Inbox (2 unread)" {
			t.Fatalf("hns's header (two stages became active): %q", got)
		}

		page := lo.get("/inbox")
		wantStatus(t, page, http.StatusOK)
		if got := inboxLink(page); got != "Inbox (2 unread)" {
			t.Fatalf("header on the inbox: %q", got)
		}
		items := page.Doc.Find("ul.inbox li.unread")
		if items.Length() != 2 || page.Doc.Find("ul.inbox .badge-unread").First().Text() != "Unread" {
			t.Fatalf("unread items: %d; page: %s", items.Length(), page.Doc.Find("main").Text())
		}
		if n := page.Doc.Find(`ul.inbox h2 button[form^="open-"]`).Length(); n != 2 ||
			page.Doc.Find(`ul.inbox form[action$="/open"] input[name="to"][value="/requests/`+no+`"]`).Length() != 2 {
			t.Errorf("%d items open the request (and mark it read), want 2", n)
		}
		// The body's "Request page: /requests/…" line is a link named for
		// its page, not an address to copy.
		bodyLinks := page.Doc.Find(`ul.inbox p.comment a[href="/requests/` + no + `"]`)
		if bodyLinks.Length() != 2 || !strings.HasPrefix(bodyLinks.First().Text(), "Request page: ") ||
			strings.Contains(page.Doc.Find("ul.inbox").Text(), "Request page: /requests/") {
			t.Errorf("%d body links (want 2, named Request page); inbox: %s", bodyLinks.Length(), page.Doc.Find("ul.inbox").Text())
		}
		if strings.Contains(page.Doc.Text(), deID) || !strings.Contains(page.Doc.Find("ul.inbox").Text(), "Add the commander.") {
			t.Errorf("lo-no's inbox: %s", page.Doc.Find("main").Text())
		}
		// The notices in the console's words: its times as every page
		// shows them, its "Amend request" and "Save and resubmit".
		inbox := strings.Join(strings.Fields(page.Doc.Find("ul.inbox").Text()), " ")
		if !stockholmShown.MatchString(inbox) || strings.Contains(inbox, "Stockholm time") {
			t.Errorf("the receipt's deadlines are not in the pages' form (2026-12-03 23:59 CET (Stockholm)): %s", inbox)
		}
		if !strings.Contains(inbox, "Amend the request and choose “Save and resubmit”.") || strings.Contains(inbox, "Edit it") {
			t.Errorf("the changes-requested notice is not in the console's words: %s", inbox)
		}
		dePage := de.get("/inbox")
		if dePage.Doc.Find("ul.inbox li").Length() != 1 || strings.Contains(dePage.Doc.Text(), no) {
			t.Fatalf("lo-de's inbox: %s", dePage.Doc.Find("main").Text())
		}
		deAction := dePage.Doc.Find(`ul.inbox form[action$="/read"]`).AttrOr("action", "")

		// Another user's notification: 404, and it stays unread.
		wantStatus(t, lo.post(deAction, url.Values{}), http.StatusNotFound)
		if got := inboxLink(de.get("/inbox")); got != "Inbox (1 unread)" {
			t.Fatalf("lo-de's header after lo-no's attempt: %q", got)
		}
		// Without the CSRF token nothing is marked.
		action := items.First().Find(`form[action$="/read"]`).AttrOr("action", "")
		wantStatus(t, lo.post(action, url.Values{"csrf": {"forged"}}), http.StatusForbidden)

		p := lo.post(action, url.Values{"back": {"/inbox?unread=1"}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/inbox?done=read&unread=1" {
			t.Fatalf("mark read: %d to %q", p.Status, p.Header.Get("Location"))
		}
		page = lo.get(p.Header.Get("Location"))
		if got := inboxLink(page); got != "Inbox (1 unread)" || page.Doc.Find("ul.inbox li").Length() != 1 ||
			page.Doc.Find(".notice").Text() != "Marked read." {
			t.Fatalf("after marking one read: header %q, %d items, notice %q", got, page.Doc.Find("ul.inbox li").Length(), page.Doc.Find(".notice").Text())
		}
		if all := lo.get("/inbox"); all.Doc.Find("ul.inbox li.read").Length() != 1 || all.Doc.Find("ul.inbox li.unread").Length() != 1 {
			t.Fatalf("all notifications after marking one read: %s", all.Doc.Find("main").Text())
		}

		// A "back" that leaves the inbox is not followed.
		in := readAllForm(t, lo.get("/inbox"))
		in.Set("back", "https://evil.example/inbox")
		p = lo.post("/inbox/read-all", in)
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/inbox?done=all" {
			t.Fatalf("mark all read: %d to %q", p.Status, p.Header.Get("Location"))
		}
		page = lo.get("/inbox")
		if got := inboxLink(page); got != "Inbox" || page.Doc.Find("ul.inbox li.unread").Length() != 0 ||
			!strings.Contains(page.Doc.Find(".inbox-count").Text(), "no unread") {
			t.Fatalf("after mark all read: header %q; %s", got, page.Doc.Find("main").Text())
		}
		if got := inboxLink(de.get("/inbox")); got != "Inbox (1 unread)" {
			t.Fatalf("lo-de's header after lo-no's mark all read: %q", got)
		}

		admin := e.client().signIn("admin")
		if p := admin.get("/inbox"); p.Status != http.StatusOK || !strings.Contains(p.Doc.Find("main").Text(), "No notifications.") {
			t.Fatalf("admin's inbox: %d %s", p.Status, p.Doc.Find("main").Text())
		}
		wantStatus(t, lo.get("/inbox?after=garbage"), http.StatusBadRequest)
	})
}

// TestInboxPaging: a user with more notifications than a page walks them
// with "Older notifications".
func TestInboxPaging(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	lo := e.client().signIn("lo-no")
	for range inboxPage + 2 {
		requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	}
	seen := map[string]bool{}
	next := "/inbox"
	for pages := 0; next != ""; pages++ {
		if pages > 3 {
			t.Fatal("the inbox pages do not end")
		}
		p := lo.get(next)
		wantStatus(t, p, http.StatusOK)
		p.Doc.Find(`ul.inbox li form[action$="/read"]`).Each(func(_ int, s *goquery.Selection) {
			seen[s.AttrOr("action", "")] = true
		})
		next = p.Doc.Find(`main a[href^="/inbox?after="]`).AttrOr("href", "")
	}
	if len(seen) != inboxPage+2 {
		t.Fatalf("walked %d notifications, want %d", len(seen), inboxPage+2)
	}

	// "Mark all read" on an older page marks up to the newest notification
	// of the first page, the one the reader saw there, carried in the
	// address: the first page too, but not one that arrived since.
	first := lo.get("/inbox")
	newest := first.Doc.Find("ul.inbox h2").First().AttrOr("id", "")
	older := first.Doc.Find(`main a[href^="/inbox?after="]`).AttrOr("href", "")
	if !strings.Contains(older, "upto="+strings.TrimPrefix(newest, "n-")) {
		t.Fatalf("the older page's address %q does not carry the newest shown, %s", older, newest)
	}
	page := lo.get(older)
	in := readAllForm(t, page)
	if in.Get("upto") != strings.TrimPrefix(newest, "n-") || !strings.Contains(in.Get("back"), "upto=") {
		t.Fatalf("the older page's form: %v", in)
	}
	requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
	p := lo.post("/inbox/read-all", in)
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "upto=") {
		t.Fatalf("mark all read from an older page: %d to %q", p.Status, p.Header.Get("Location"))
	}
	if got := inboxLink(lo.follow(p)); got != "Inbox (1 unread)" {
		t.Fatalf("after mark all read from an older page: %q, want the one submitted since unread", got)
	}
}

// TestInboxWithoutSMTP: with no mail server configured the delivery worker
// marks the e-mails undeliverable, and the console inbox still has every
// notification.
func TestInboxWithoutSMTP(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		w := &notify.Worker{Outbox: e.db, Email: nil, Now: func() time.Time { return testNow }}
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := e.db.Notifications(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		emails, inbox := 0, 0
		for _, n := range rows {
			switch n.Channel {
			case domain.ChannelEmail:
				emails++
				if n.Status != domain.DeliveryUndeliverable {
					t.Errorf("e-mail to %s: %s, want undeliverable", n.Address, n.Status)
				}
			case domain.ChannelInbox:
				inbox++
			}
		}
		if emails == 0 || inbox != emails {
			t.Fatalf("%d e-mails, %d inbox rows: want one inbox row beside each e-mail", emails, inbox)
		}
		page := lo.get("/inbox")
		if got := inboxLink(page); got != "Inbox (1 unread)" || !strings.Contains(page.Doc.Find("ul.inbox").Text(), "received") {
			t.Fatalf("inbox without SMTP: header %q; %s", got, page.Doc.Find("main").Text())
		}
	})
}

func TestUnreadText(t *testing.T) {
	for n, want := range map[int64]string{0: "", 1: "1", 999: "999", 1000: "1000+", 5000: "1000+"} {
		if got := unreadText(n); got != want {
			t.Errorf("unreadText(%d) = %q, want %q", n, got, want)
		}
	}
}
