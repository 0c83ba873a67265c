package api

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestKeyedDelegationRetryReplaysAfterTheDelegateChanged: hns delegates
// hns_officer to gov with an Idempotency-Key; the administrator then
// disables gov, and the clock moves on past the starts hns gave. A retry
// with the same key and body is a retry of a create already answered: it
// gets that answer (201, the same body and Location, marked replayed) and
// creates nothing — not 422 for a delegate who may no longer receive one,
// nor for a starts now in the past. A new key with the same body is a new
// create, and is refused for both.
func TestKeyedDelegationRetryReplaysAfterTheDelegateChanged(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		body := map[string]any{"to": "gov", "role": "hns_officer", "starts": testNow.Add(time.Hour).Format(time.RFC3339),
			"ends": "2026-12-31T00:00:00Z"}
		first := e.do("hns", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "deleg-1")
		want(t, first, http.StatusCreated)

		govID, _ := e.userID("gov")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+govID+"/disable", map[string]any{"reason": "left"}), http.StatusOK)
		e.clock = func() time.Time { return testNow.Add(2 * time.Hour) }

		again := e.do("hns", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "deleg-1")
		if again.Status != first.Status || again.Header.Get("Idempotent-Replayed") != "true" ||
			string(again.Body) != string(first.Body) || !strings.HasSuffix(string(first.Body), "}\n") ||
			again.Header.Get("Location") != first.Header.Get("Location") ||
			again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("the retry is not a replay of the first answer:\n%d %v %s\nwant %d %s",
				again.Status, again.Header, again.Body, first.Status, first.Body)
		}
		if n := len(e.do("auditor", http.MethodGet, "/api/v1/delegations", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Fatalf("%d delegations after the retry, want 1", n)
		}
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "deleg-2"),
			http.StatusUnprocessableEntity, "invalid", "to", "starts")
	})
}
