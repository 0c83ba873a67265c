package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// inbox lists as's notifications (query may be "") and returns the kinds
// and request ids of the items, newest first, and the unread count.
func (e *env) inbox(as, query string) (items []map[string]any, unread int) {
	e.t.Helper()
	path := "/api/v1/me/notifications"
	if query != "" {
		path += "?" + query
	}
	r := e.do(as, http.MethodGet, path, nil)
	want(e.t, r, http.StatusOK)
	m := r.JSON(e.t)
	for _, it := range m["items"].([]any) {
		items = append(items, it.(map[string]any))
	}
	return items, int(m["unread"].(float64))
}

func kindsOf(items []map[string]any) string {
	var out []string
	for _, it := range items {
		out = append(out, it["kind"].(string)+"@"+it["request_id"].(string))
	}
	return strings.Join(out, ",")
}

// TestInboxThroughTheAPI: each user sees their own notifications only —
// a liaison officer never another nation's, nor another officer's read
// state — newest first, paged, and marks them read; another user's
// notification id is 404.
func TestInboxThroughTheAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, noTag := e.submitted(draft())
		de, deTag := e.create("lo-de", draft())
		want(t, e.do("lo-de", http.MethodPost, "/api/v1/requests/"+de+"/submit", nil, "If-Match", deTag), http.StatusOK)

		items, unread := e.inbox("lo-no", "")
		if got := kindsOf(items); got != "request.submitted@"+no || unread != 1 {
			t.Fatalf("lo-no's inbox: %s, %d unread", got, unread)
		}
		if it := items[0]; it["read_at"] != nil || !strings.Contains(it["subject"].(string), "received") || it["body"] == "" || it["created_at"] == "" {
			t.Errorf("item %v", it)
		}
		deItems, deUnread := e.inbox("lo-de", "")
		if got := kindsOf(deItems); got != "request.submitted@"+de || deUnread != 1 {
			t.Fatalf("lo-de's inbox: %s, %d unread (never Norway's)", got, deUnread)
		}
		// Both submitted at the same instant: in either order.
		if hns, _ := e.inbox("hns", ""); kindsOf(hns) != "stage.active@"+de+",stage.active@"+no &&
			kindsOf(hns) != "stage.active@"+no+",stage.active@"+de {
			t.Fatalf("hns's inbox: %s", kindsOf(hns))
		}
		if admin, n := e.inbox("admin", ""); len(admin) != 0 || n != 0 {
			t.Fatalf("admin's inbox: %s, %d", kindsOf(admin), n)
		}

		// A decision, a minute later, tells Norway's officers; Germany
		// hears nothing of it.
		e.clock = func() time.Time { return testNow.Add(time.Minute) }
		want(t, e.decide("hns", no, noTag, "intake", "request_changes", "Add the unit's commander"), http.StatusOK)
		items, unread = e.inbox("lo-no", "")
		if got := kindsOf(items); got != "request.changes_requested@"+no+",request.submitted@"+no || unread != 2 {
			t.Fatalf("lo-no's inbox after the decision: %s, %d unread", got, unread)
		}
		if !strings.Contains(items[0]["body"].(string), "Add the unit's commander") {
			t.Errorf("the decision's comment is not in the notification: %v", items[0])
		}
		if again, _ := e.inbox("lo-de", ""); kindsOf(again) != kindsOf(deItems) {
			t.Fatalf("lo-de's inbox changed with Norway's decision: %s", kindsOf(again))
		}

		// Pages of one, with the cursor.
		first := e.do("lo-no", http.MethodGet, "/api/v1/me/notifications?limit=1", nil)
		want(t, first, http.StatusOK)
		cur, _ := first.JSON(t)["next_cursor"].(string)
		if cur == "" {
			t.Fatalf("a first page of one of two has no next_cursor: %s", first.Body)
		}
		second, _ := e.inbox("lo-no", "limit=1&cursor="+cur)
		if kindsOf(second) != "request.submitted@"+no {
			t.Fatalf("second page: %s", kindsOf(second))
		}

		// Another user's id is 404, exactly as an id that names nothing,
		// and leaves that user's notification unread.
		deID := deItems[0]["id"].(string)
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/"+deID+"/read", nil), 404, "not_found")
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/0123456789abcdef0123456789abcdef/read", nil), 404, "not_found")
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/"+strings.Repeat("a", 65)+"/read", nil), 404, "not_found")
		if _, n := e.inbox("lo-de", ""); n != 1 {
			t.Fatalf("lo-de's unread = %d after lo-no tried to mark it read", n)
		}

		// Mark one read; again is harmless.
		for range 2 {
			r := e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/"+items[1]["id"].(string)+"/read", nil)
			want(t, r, http.StatusOK)
			if n := r.JSON(t)["unread"]; n != float64(1) {
				t.Fatalf("unread after marking one read = %v", n)
			}
		}
		unreadOnly, _ := e.inbox("lo-no", "unread=true")
		if kindsOf(unreadOnly) != "request.changes_requested@"+no {
			t.Fatalf("unread only: %s", kindsOf(unreadOnly))
		}
		items, _ = e.inbox("lo-no", "")
		if items[0]["read_at"] != nil || items[1]["read_at"] == nil {
			t.Fatalf("read_at: %v / %v", items[0]["read_at"], items[1]["read_at"])
		}

		// Read state is each user's own: lo-no2, of the same nation, got
		// the same notifications and still has them unread.
		if _, n := e.inbox("lo-no2", ""); n != 2 {
			t.Fatalf("lo-no2's unread = %d, want 2", n)
		}
		r := e.do("lo-no", http.MethodPost, "/api/v1/me/notifications/read-all", nil)
		want(t, r, http.StatusOK)
		if m := r.JSON(t); m["marked"] != float64(1) || m["unread"] != float64(0) {
			t.Fatalf("read-all: %s", r.Body)
		}
		if _, n := e.inbox("lo-no2", ""); n != 2 {
			t.Fatalf("lo-no2's unread = %d after lo-no's read-all, want 2", n)
		}
		if _, n := e.inbox("lo-de", ""); n != 1 {
			t.Fatalf("lo-de's unread = %d after lo-no's read-all, want 1", n)
		}
	})
}

func TestInboxQueryParameters(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/inbox.db")
	for _, c := range []struct{ query, field string }{
		{"unread=maybe", "unread"}, {"limit=0", "limit"}, {"cursor=not-a-cursor", "cursor"},
		{"cursor=" + encodeCursor("x"), "cursor"}, // a request list's cursor is not an inbox's
	} {
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/me/notifications?"+c.query, nil), 422, "invalid", c.field)
	}
	wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/me/notifications?nation=NO", nil), 422, "invalid", "nation")
	wantProblem(t, e.do("", http.MethodGet, "/api/v1/me/notifications", nil), 401, "unauthorized")
}

func TestInboxCursorRoundTrip(t *testing.T) {
	c := domain.InboxCursor{CreatedAt: testNow.Add(123456 * time.Microsecond), ID: "0123456789abcdef"}
	got, ok := domain.ParseInboxCursor(c.Encode())
	if !ok || !got.CreatedAt.Equal(c.CreatedAt) || got.ID != c.ID {
		t.Fatalf("round trip of %+v: %+v, %v", c, got, ok)
	}
	queue := encodeQueueCursor(domain.QueueCursor{DueAt: testNow, RequestID: "r", StageID: "s"})
	for _, s := range []string{"", "bjF8", encodeCursor("x"), queue, strings.Repeat("A", 300)} {
		if _, ok := domain.ParseInboxCursor(s); ok {
			t.Errorf("%q decoded as an inbox cursor", s)
		}
	}
}

// TestWithdrawnDraftNamesItsExercise: a draft withdrawn before its first
// submission has no reference yet; the notice in its liaison officers'
// inbox names it by its exercise name, not by its id. A submitted request
// withdrawn later is named by its reference.
func TestWithdrawnDraftNamesItsExercise(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		body := draft()
		body["exercise_name"] = "Northern Coast 27"
		id, tag := e.create("lo-no", body)
		want(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/withdraw", map[string]any{"reason": "Exercise cancelled."},
			"If-Match", tag), http.StatusOK)
		sub, subTag := e.submitted(draft())
		w := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+sub+"/withdraw", nil, "If-Match", subTag)
		want(t, w, http.StatusOK)
		ref := w.JSON(t)["reference"].(string)

		items, _ := e.inbox("lo-no", "")
		subjects := map[string]string{}
		for _, it := range items {
			if it["kind"] == domain.NotifyWithdrawn {
				subjects[it["request_id"].(string)] = it["subject"].(string)
			}
		}
		if got, want := subjects[id], `Request "Northern Coast 27" withdrawn`; got != want {
			t.Errorf("the withdrawn draft's notice: subject %q, want %q", got, want)
		}
		if got, want := subjects[sub], "Request "+ref+" withdrawn"; got != want {
			t.Errorf("the withdrawn submitted request's notice: subject %q, want %q", got, want)
		}
	})
}
