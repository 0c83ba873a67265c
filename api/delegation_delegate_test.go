package api

import (
	"net/http"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestDelegateWhoLeavesTheApproversGetsNothing is the review's report: an
// administrator creates x1 as a range officer with an e-mail address, hns
// delegates hns_officer to x1, and the administrator then makes x1 a
// liaison officer of Austria. The delegation stops counting with its
// delegate: the intake notice queued to x1 through it before the change is
// withdrawn, saying why; a request submitted after the change queues
// nothing to x1 at all (before the fix an e-mail "Review needed:
// SE-2026-EXA-…" of a Norwegian request was queued for the Austrian
// officer); and x1, signed in again, neither sees the hns_officer queue
// nor decides the intake stage through the delegation.
func TestDelegateWhoLeavesTheApproversGetsNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		created := e.do("admin", http.MethodPost, "/api/v1/users", map[string]any{
			"username": "x1", "roles": []string{"range_officer"}, "email": "x1@example.org"})
		want(t, created, http.StatusCreated)
		want(t, e.signIn("x1-otp", "x1", created.JSON(t)["one_time_password"].(string)), http.StatusOK)
		const password = "granite lantern harbour"
		changed := e.do("x1-otp", http.MethodPost, "/api/v1/me/password", map[string]any{
			"old_password": created.JSON(t)["one_time_password"], "new_password": password})
		want(t, changed, http.StatusOK)
		e.tokens["x1"] = changed.JSON(t)["access_token"].(string)

		want(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{
			"to": "x1", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), http.StatusCreated)
		before, _ := e.submitted(draft())
		if n := e.queueLen("x1", "hns_officer"); n != 1 {
			t.Fatalf("the delegate's queue holds %d intake stages, want 1", n)
		}
		if got, w := activationRows(t, e, before, "x1", domain.DelegateLapsedError), "intake email queued"; got != w {
			t.Fatalf("x1 before the change: %s; want %s", got, w)
		}

		x1, tag := e.userID("x1")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+x1, map[string]any{
			"roles": []string{"liaison_officer"}, "nation": "AT"}, "If-Match", tag), http.StatusOK)
		if got, w := activationRows(t, e, before, "x1", domain.DelegateLapsedError), "intake email undeliverable"; got != w {
			t.Errorf("x1's intake notice queued through the delegation, after the change: %s; want %s", got, w)
		}

		after, afterTag := e.submitted(draft())
		rows, err := e.db.Notifications(t.Context(), after)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rows {
			if n.Recipient == x1 {
				t.Errorf("a %s row %s (%s, audience %q) %q is addressed to x1, no longer an approver",
					n.Channel, n.Status, n.Address, n.AudienceRole, strings.SplitN(n.Body, "\n", 2)[0])
			}
		}

		want(t, e.signIn("x1", "x1", password), http.StatusOK)
		if me := e.do("x1", http.MethodGet, "/api/v1/me", nil).JSON(t); me["nation"] != "AT" {
			t.Fatalf("x1 is now %v", me)
		}
		wantProblem(t, e.do("x1", http.MethodGet, "/api/v1/queue?role=hns_officer", nil), http.StatusForbidden, "forbidden")
		wantProblem(t, e.decide("x1", after, afterTag, "intake", "approve", "acting for hns"), http.StatusForbidden, "forbidden")
		if r := e.do("hns", http.MethodGet, "/api/v1/requests/"+after, nil); stageStatuses(t, r)["intake"] != "active" {
			t.Errorf("the intake stage after x1's attempt: %s", r.Body)
		}
	})
}
