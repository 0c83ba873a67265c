package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestInboxAfterAMove: a liaison officer moved to another nation signs in
// again and finds none of the old nation's notifications in the console
// inbox — no subject, no comment — and the header's count agrees.
func TestInboxAfterAMove(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		no := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		hns := e.client().signIn("hns")
		version := hns.get("/requests/"+no).Doc.Find(`form[action$="/decide"] input[name="version"]`).AttrOr("value", "")
		requestID(t, hns.post("/requests/"+no+"/decide", url.Values{"stage": {"intake"}, "outcome": {"request_changes"},
			"comment": {"Add the commander."}, "version": {version}}))
		if got := inboxLink(lo.get("/inbox")); got != "Inbox (2 unread)" {
			t.Fatalf("before the move: %q", got)
		}

		ctx := context.Background()
		u, err := e.db.GetUserByUsername(ctx, "lo-no")
		if err != nil {
			t.Fatal(err)
		}
		nation := "DE"
		if _, err := e.accounts.Change(ctx, "admin", u.ID, u.Version, domain.UserChange{Nation: &nation, Reason: "posted to Germany"}); err != nil {
			t.Fatal(err)
		}
		e.cache.Forget("lo-no")
		moved := e.client().signIn("lo-no")
		page := moved.get("/inbox")
		wantStatus(t, page, http.StatusOK)
		if got := inboxLink(page); got != "Inbox" {
			t.Errorf("header after the move: %q", got)
		}
		text := page.Doc.Find("main").Text()
		if n := page.Doc.Find("ul.inbox li").Length(); n != 0 || strings.Contains(text, "Add the commander") || strings.Contains(text, "SE-2026") {
			t.Fatalf("after the move the inbox lists %d items: %s", n, text)
		}
		wantStatus(t, moved.get("/requests/"+no), http.StatusNotFound)
	})
}
