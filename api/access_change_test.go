package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth/authtest"
	"exaccess/domain"
)

// TestAccessChangeWithdrawsNotifications: what an account was told for
// powers it has since lost is no longer read nor sent. A liaison officer
// moved to another nation sees none of the old nation's notifications in
// the inbox (not even their subjects) and the unread count agrees; the
// e-mail rows queued to them are withdrawn in the same change. An approver
// who loses the role no longer sees the requests' references; a disabled
// account's queued e-mail and webhook rows do not go out.
func TestAccessChangeWithdrawsNotifications(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("lo-no2", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/lo-no2"}), http.StatusCreated)
		id, tag := e.submitted(draft())
		e.clock = func() time.Time { return testNow.Add(time.Minute) }
		want(t, e.decide("hns", id, tag, "intake", "request_changes", "Bring the commander's letter"), http.StatusOK)
		before, unread := e.inbox("lo-no", "")
		if len(before) != 2 || unread != 2 || !strings.Contains(before[0]["body"].(string), "commander's letter") {
			t.Fatalf("before the move: %s, %d unread", kindsOf(before), unread)
		}
		queued := func(user string) (n int, withdrawn []domain.Notification) {
			t.Helper()
			for _, r := range e.outboxOf(id, user) {
				switch r.Status {
				case domain.DeliveryQueued:
					n++
				case domain.DeliveryUndeliverable:
					withdrawn = append(withdrawn, r)
				}
			}
			return n, withdrawn
		}
		if n, _ := queued("lo-no"); n != 2 {
			t.Fatalf("lo-no has %d queued e-mail rows before the move, want 2", n)
		}
		if n, _ := queued("lo-no2"); n != 4 {
			t.Fatalf("lo-no2 has %d queued e-mail and webhook rows before being disabled, want 4", n)
		}

		// lo-no moves to Germany.
		loNo, loNoTag := e.userID("lo-no")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+loNo, map[string]any{"nation": "DE", "reason": "posted to Germany"},
			"If-Match", loNoTag), http.StatusOK)
		want(t, e.signIn("lo-no", "lo-no", "correct horse battery"), http.StatusOK)
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil), 404, "not_found")
		r := e.do("lo-no", http.MethodGet, "/api/v1/me/notifications", nil)
		want(t, r, http.StatusOK)
		if strings.Contains(string(r.Body), id) || strings.Contains(string(r.Body), "commander") ||
			strings.Contains(string(r.Body), "SE-2026") {
			t.Fatalf("Norway's notifications reach lo-no in Germany: %s", r.Body)
		}
		if items, unread := e.inbox("lo-no", ""); len(items) != 0 || unread != 0 {
			t.Fatalf("after the move: %s, %d unread", kindsOf(items), unread)
		}
		// Nor can the hidden rows be marked, or counted by marking them.
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/"+before[0]["id"].(string)+"/read", nil), 404, "not_found")
		r = e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/read-all", nil)
		want(t, r, http.StatusOK)
		if m := r.JSON(t); m["marked"] != float64(0) || m["unread"] != float64(0) {
			t.Fatalf("read-all after the move: %s", r.Body)
		}
		if n, withdrawn := queued("lo-no"); n != 0 || len(withdrawn) != 2 || withdrawn[0].LastError != domain.AccessChangedError {
			t.Fatalf("after the move lo-no has %d queued rows, withdrawn %+v", n, withdrawn)
		}
		// lo-no2, still Norway's, keeps everything.
		if items, unread := e.inbox("lo-no2", ""); len(items) != 2 || unread != 2 {
			t.Fatalf("lo-no2: %s, %d unread", kindsOf(items), unread)
		}

		// hns loses the approver role: no reference of any request stays.
		hns, hnsTag := e.userID("hns")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+hns, map[string]any{"roles": []string{"admin"}, "reason": "now runs accounts"},
			"If-Match", hnsTag), http.StatusOK)
		want(t, e.signIn("hns", "hns", "correct horse battery"), http.StatusOK)
		if items, unread := e.inbox("hns", ""); len(items) != 0 || unread != 0 {
			t.Fatalf("hns without the role: %s, %d unread", kindsOf(items), unread)
		}

		// lo-no2 is disabled: its queued e-mail and webhook rows are withdrawn.
		loNo2, _ := e.userID("lo-no2")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+loNo2+"/disable", map[string]any{"reason": "left"}), http.StatusOK)
		n, withdrawn := queued("lo-no2")
		channels := map[string]int{}
		for _, w := range withdrawn {
			channels[w.Channel]++
		}
		if n != 0 || channels[domain.ChannelEmail] != 2 || channels[domain.ChannelWebhook] != 2 {
			t.Fatalf("after disabling lo-no2: %d queued, withdrawn by channel %v", n, channels)
		}
		// A change of address alone withdraws nothing (lo-no2 of another
		// nation, lo-de, is untouched throughout).
		if n, withdrawn := queued("lo-de"); n != 0 || len(withdrawn) != 0 {
			t.Fatalf("lo-de: %d queued, %d withdrawn about Norway's request", n, len(withdrawn))
		}
	})
}

// TestIdPMoveWithdrawsNotifications: when the identity provider asserts
// another nation for an account, the account's queued e-mail rows are
// withdrawn in the change that records it, and its inbox no longer shows
// the old nation's notifications.
func TestIdPMoveWithdrawsNotifications(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		// Issued a minute before the token of the move: an account takes
		// the claims of a newer token only (domain.JudgeClaims).
		e.tokens["idp-lo-no"] = idpLiaison(t, stand, testNow.Add(-time.Minute), "kari.nordmann", "NO")
		id, _ := e.create("idp-lo-no", draft())
		r := e.do("idp-lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
		want(t, r, http.StatusOK)
		want(t, e.do("idp-lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", r.Header.Get("ETag")), http.StatusOK)
		rows := func() (queued, withdrawn int) {
			t.Helper()
			for _, n := range e.outboxOf(id, "idp:kari.nordmann", domain.ChannelEmail) {
				switch {
				case n.Status == domain.DeliveryQueued:
					queued++
				case n.Status == domain.DeliveryUndeliverable && n.LastError == domain.AccessChangedError:
					withdrawn++
				}
			}
			return queued, withdrawn
		}
		if q, w := rows(); q != 1 || w != 0 {
			t.Fatalf("before the move: %d queued, %d withdrawn", q, w)
		}
		moved := stand.Claims(testNow, "kari.nordmann", "liaison_officer")
		moved["nation"] = "DE"
		e.tokens["idp-lo-no"] = stand.Sign(t, authtest.KidRSA, moved)
		want(t, e.do("idp-lo-no", http.MethodGet, "/api/v1/me", nil), http.StatusOK)
		if q, w := rows(); q != 0 || w != 1 {
			t.Fatalf("after the provider moved kari to Germany: %d queued, %d withdrawn", q, w)
		}
		if items, unread := e.inbox("idp-lo-no", ""); len(items) != 0 || unread != 0 {
			t.Fatalf("kari's inbox in Germany: %s, %d unread", kindsOf(items), unread)
		}
	})
}

// TestAddressChangeReaddressesQueuedMail: an administrator changes an
// account's e-mail address while mail to it is queued; the queued e-mails
// go to the new address (the old one may be someone else's by now), and
// removing the address marks them undeliverable. Powers are unchanged, so
// nothing is withdrawn and the inbox keeps everything.
func TestAddressChangeReaddressesQueuedMail(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, _ := e.submitted(draft())
		mail := func() (addresses []string, statuses []string) {
			t.Helper()
			for _, r := range e.outboxOf(id, "lo-no", domain.ChannelEmail) {
				addresses, statuses = append(addresses, r.Address), append(statuses, r.Status)
			}
			return addresses, statuses
		}
		if a, s := mail(); len(a) != 1 || s[0] != domain.DeliveryQueued {
			t.Fatalf("before: %v %v, want one queued e-mail", a, s)
		}
		loNo, tag := e.userID("lo-no")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+loNo, map[string]any{"email": "desk@mil.no"}, "If-Match", tag), http.StatusOK)
		if a, s := mail(); a[0] != "desk@mil.no" || s[0] != domain.DeliveryQueued {
			t.Fatalf("after the new address: %v %v, want queued to desk@mil.no", a, s)
		}
		_, tag = e.userID("lo-no")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+loNo, map[string]any{"email": ""}, "If-Match", tag), http.StatusOK)
		if _, s := mail(); s[0] != domain.DeliveryUndeliverable {
			t.Fatalf("after removing the address: %v, want undeliverable", s)
		}
		if items, _ := e.inbox("lo-no", ""); len(items) != 1 {
			t.Fatalf("the inbox after address changes: %s, want the receipt", kindsOf(items))
		}
	})
}

// outboxOf is the outbox rows of request id addressed to user on the given
// channels (all but the inbox when none is given).
func (e *env) outboxOf(id, user string, channels ...string) []domain.Notification {
	e.t.Helper()
	ctx := context.Background()
	u, err := e.db.GetUserByUsername(ctx, user)
	if err != nil {
		e.t.Fatal(err)
	}
	rows, err := e.db.Notifications(ctx, id)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []domain.Notification
	for _, r := range rows {
		if r.Recipient != u.ID || r.Channel == domain.ChannelInbox && len(channels) == 0 ||
			len(channels) > 0 && !slices.Contains(channels, r.Channel) {
			continue
		}
		out = append(out, r)
	}
	return out
}
