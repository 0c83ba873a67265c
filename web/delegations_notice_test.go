package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestDelegationNotices: "Delegate" and "Revoke" come back to the list
// with a notice naming the delegation as the list does (the role, the
// delegate, the period); the delegate's notice that the delegation started
// names the role in words, not by its id.
func TestDelegationNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		hns := e.client().signIn("hns")
		p := hns.post("/delegations", url.Values{"to": {"range"}, "role": {"hns_officer"}, "ends": {"2026-12-31"}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("delegate: %d %s", p.Status, p.Doc.Find(".error-summary").Text())
		}
		list := hns.follow(p)
		wantStatus(t, list, http.StatusOK)
		want := "Delegated: the role “Host nation support (intake)” to range, "
		if got := list.Doc.Find("main .notice").Text(); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "2026-12-31 24:00 CET (Stockholm).") {
			t.Errorf("after delegating the notice is %q, want %q…", got, want)
		}
		if got := hns.get("/delegations").Doc.Find("main .notice").Length(); got != 0 {
			t.Errorf("the list opened anew shows %d notices", got)
		}

		if _, err := e.db.ScheduleNotifications(context.Background(), e.clock()); err != nil {
			t.Fatal(err)
		}
		inbox := e.client().signIn("range").get("/inbox")
		wantStatus(t, inbox, http.StatusOK)
		subject := "Delegation of the role of the Swedish Armed Forces' host-nation support desk to you has started"
		body := "hns delegated the role of the Swedish Armed Forces' host-nation support desk (hns_officer) to you"
		if main := inbox.Doc.Find("main").Text(); !strings.Contains(main, subject) || !strings.Contains(main, body) {
			t.Errorf("the delegate's inbox does not name the role in words: %s", strings.Join(strings.Fields(main), " "))
		}

		id := strings.TrimPrefix(p.Header.Get("Location"), "/delegations?added=")
		r := hns.post("/delegations/"+id+"/revoke", url.Values{"confirm": {confirmYes}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("revoke: %d", r.Status)
		}
		want = "Revoked: the delegation of the role “Host nation support (intake)” to range ("
		if got := hns.follow(r).Doc.Find("main .notice").Text(); !strings.HasPrefix(got, want) {
			t.Errorf("after revoking the notice is %q, want %q…", got, want)
		}
	})
}
