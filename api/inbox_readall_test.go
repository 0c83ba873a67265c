package api

import (
	"net/http"
	"testing"
	"time"
)

// TestInboxReadAllUpTo: mark all read with "upto", the newest notification
// the caller listed, marks it and the older ones and leaves unread one
// that arrived after the list; an upto that is not one of the caller's
// notifications is 404 and marks nothing; without a body every
// notification is marked, as before.
func TestInboxReadAllUpTo(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first, _ := e.submitted(draft())
		listed, _ := e.inbox("hns", "")
		if len(listed) != 1 {
			t.Fatalf("hns lists %s", kindsOf(listed))
		}
		upto := listed[0]["id"].(string)
		e.clock = func() time.Time { return testNow.Add(time.Minute) }
		later, _ := e.submitted(draft())

		lo, _ := e.inbox("lo-no", "")
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/me/notifications/read-all", map[string]any{"upto": lo[0]["id"]}), 404, "not_found")
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/me/notifications/read-all", map[string]any{"upto": 5}), 422, "invalid", "upto")
		if _, n := e.inbox("hns", ""); n != 2 {
			t.Fatalf("hns has %d unread after refused bounds, want 2", n)
		}
		r := e.do("hns", http.MethodPost, "/api/v1/me/notifications/read-all", map[string]any{"upto": upto})
		want(t, r, http.StatusOK)
		if m := r.JSON(t); m["marked"] != float64(1) || m["unread"] != float64(1) {
			t.Fatalf("read-all up to the first: %s", r.Body)
		}
		items, _ := e.inbox("hns", "unread=true")
		if kindsOf(items) != "stage.active@"+later {
			t.Fatalf("unread after read-all up to %s's notice: %s (want only %s's)", first, kindsOf(items), later)
		}
		r = e.do("hns", http.MethodPost, "/api/v1/me/notifications/read-all", nil)
		want(t, r, http.StatusOK)
		if m := r.JSON(t); m["marked"] != float64(1) || m["unread"] != float64(0) {
			t.Fatalf("read-all without a bound: %s", r.Body)
		}
	})
}
