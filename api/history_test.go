package api

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"exaccess/internal/historycursor"
)

// historyActions reads one page of a request's history as who and returns
// its actions and its next_cursor ("" when null).
func historyActions(t *testing.T, e *env, who, id, query string) ([]string, string) {
	t.Helper()
	r := e.do(who, http.MethodGet, "/api/v1/requests/"+id+"/history"+query, nil)
	want(t, r, http.StatusOK)
	body := r.JSON(t)
	var actions []string
	for _, it := range body["items"].([]any) {
		actions = append(actions, it.(map[string]any)["action"].(string))
	}
	next, _ := body["next_cursor"].(string)
	return actions, next
}

// TestHistoryPaged: the history pages with limit and cursor, the default
// answer keeps its shape (every entry of an ordinary history, next_cursor
// null), and the sending nation's pages leave out the refusals in the
// query: a page of two holds two entries it may see, however many refusals
// lie between them.
func TestHistoryPaged(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())
		base := "/api/v1/requests/" + id
		wantProblem(t, e.do("lo-de", http.MethodGet, base, nil), 404, "not_found")
		wantProblem(t, e.do("lo-de", http.MethodGet, base+"/history", nil), 404, "not_found")
		wantProblem(t, e.do("hns", http.MethodPost, base+"/submit", nil, "If-Match", tag), 403, "forbidden")
		want(t, e.do("lo-no", http.MethodPatch, base, map[string]any{"purpose": "Winter training, amended"}, "If-Match", tag), 200)

		all := []string{"request.created", "request.refused", "request.refused", "request.refused", "request.updated"}
		if got, next := historyActions(t, e, "auditor", id, ""); !slices.Equal(got, all) || next != "" {
			t.Fatalf("the default answer: %v, next %q; want %v and no next", got, next, all)
		}
		// Two at a time, following next_cursor.
		var walked []string
		query := "?limit=2"
		for pages := 1; ; pages++ {
			got, next := historyActions(t, e, "auditor", id, query)
			if len(got) > 2 || pages > 3 {
				t.Fatalf("page %d: %v", pages, got)
			}
			walked = append(walked, got...)
			if next == "" {
				break
			}
			query = "?limit=2&cursor=" + url.QueryEscape(next)
		}
		if !slices.Equal(walked, all) {
			t.Errorf("walked %v, want %v", walked, all)
		}
		// The sending nation: no refusals, and none cost it a page.
		if got, next := historyActions(t, e, "lo-no", id, "?limit=2"); !slices.Equal(got, []string{"request.created", "request.updated"}) || next != "" {
			t.Errorf("lo-no's first page of two: %v, next %q", got, next)
		}
		if got, next := historyActions(t, e, "lo-no", id, "?limit=1"); !slices.Equal(got, []string{"request.created"}) || next == "" {
			t.Errorf("lo-no's first page of one: %v, next %q", got, next)
		} else if got, next := historyActions(t, e, "lo-no", id, "?limit=1&cursor="+url.QueryEscape(next)); !slices.Equal(got, []string{"request.updated"}) || next != "" {
			t.Errorf("lo-no's second page of one: %v, next %q", got, next)
		}
		for _, bad := range []struct{ query, field string }{
			{"?limit=0", "limit"}, {"?limit=x", "limit"}, {"?cursor=bm9wZQ", "cursor"}, {"?cursor=" + e.srv.sealHistoryCursor(id, historyCursor{Index: 1}) + "x", "cursor"},
			{"?cursor=" + base64.RawURLEncoding.EncodeToString([]byte(historycursor.Encode(historyCursor{Index: 1}))), "cursor"}, // unsealed, as cursors were before
			{"?cursor=" + encodeCursor("0190a000-0000-7000-8000-000000000000"), "cursor"},
		} {
			wantProblem(t, e.do("auditor", http.MethodGet, base+"/history"+bad.query, nil), 422, "invalid", bad.field)
		}
		// A cursor is only a position: on another nation's request it is 404 as ever.
		wantProblem(t, e.do("lo-de", http.MethodGet, base+"/history?cursor="+e.srv.sealHistoryCursor(id, historyCursor{}), nil), 404, "not_found")
	})
}

// TestHistoryNewestFirst: order=newest lists the history newest first,
// each page too, and pages back with its own next_cursor until the first
// entry; the default and order=oldest are oldest first, as ever. A cursor
// continues only the walk of its order (another order is 422 naming
// cursor, not a page silently walking the other way), and an order other
// than oldest or newest is 422 naming order. The sending nation's walk
// leaves out the refusals either way.
func TestHistoryNewestFirst(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())
		base := "/api/v1/requests/" + id + "/history"
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+id, nil), 404, "not_found")
		wantProblem(t, e.do("lo-de", http.MethodGet, base, nil), 404, "not_found")
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag), 403, "forbidden")
		want(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"purpose": "Winter training, amended"}, "If-Match", tag), 200)
		oldest := []string{"request.created", "request.refused", "request.refused", "request.refused", "request.updated"}
		newest := slices.Clone(oldest)
		slices.Reverse(newest)

		for _, q := range []string{"", "?order=oldest"} {
			if got, next := historyActions(t, e, "auditor", id, q); !slices.Equal(got, oldest) || next != "" {
				t.Errorf("%q: %v, next %q; want %v", q, got, next, oldest)
			}
		}
		if got, next := historyActions(t, e, "auditor", id, "?order=newest"); !slices.Equal(got, newest) || next != "" {
			t.Errorf("order=newest: %v, next %q; want %v", got, next, newest)
		}
		// Two at a time, newest first, following next_cursor back.
		walk := func(who, order string, limit int) ([]string, int) {
			var walked []string
			query := "?order=" + order + "&limit=" + strconv.Itoa(limit)
			for pages := 1; ; pages++ {
				got, next := historyActions(t, e, who, id, query)
				if len(got) > limit || pages > 10 {
					t.Fatalf("%s, %s, page %d: %v", who, order, pages, got)
				}
				walked = append(walked, got...)
				if next == "" {
					return walked, pages
				}
				query = "?order=" + order + "&limit=" + strconv.Itoa(limit) + "&cursor=" + url.QueryEscape(next)
			}
		}
		if got, pages := walk("auditor", "newest", 2); !slices.Equal(got, newest) || pages != 3 {
			t.Errorf("newest first, two a page: %v in %d pages, want %v in 3", got, pages, newest)
		}
		if got, pages := walk("auditor", "oldest", 2); !slices.Equal(got, oldest) || pages != 3 {
			t.Errorf("oldest first, two a page: %v in %d pages, want %v in 3", got, pages, oldest)
		}
		if got, pages := walk("lo-no", "newest", 1); !slices.Equal(got, []string{"request.updated", "request.created"}) || pages != 2 {
			t.Errorf("lo-no, newest first, one a page: %v in %d pages", got, pages)
		}

		// A cursor of one order with the other.
		_, newestNext := historyActions(t, e, "auditor", id, "?order=newest&limit=2")
		_, oldestNext := historyActions(t, e, "auditor", id, "?limit=2")
		for _, q := range []string{"?cursor=" + url.QueryEscape(newestNext), "?order=oldest&cursor=" + url.QueryEscape(newestNext),
			"?order=newest&cursor=" + url.QueryEscape(oldestNext)} {
			wantProblem(t, e.do("auditor", http.MethodGet, base+q, nil), 422, "invalid", "cursor")
		}
		for _, q := range []string{"?order=NEWEST", "?order=desc", "?order="} {
			r := e.do("auditor", http.MethodGet, base+q, nil)
			if q == "?order=" { // empty is the default, as for every parameter
				want(t, r, 200)
				continue
			}
			wantProblem(t, r, 422, "invalid", "order")
		}
	})
}

// TestHistoryCursorBoundToItsRequest: a cursor continues the walk of the
// request it came from only. Another request's cursor — the same server's,
// sealed and of the same order — is 422 naming cursor, in either order
// and either way round, not a page of this history from a place in the
// other's (an empty page, or one that skips entries); on its own request
// it walks on, whether the request is named by its id or its reference.
func TestHistoryCursorBoundToItsRequest(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		a, _ := e.submitted(draft())
		b, _ := e.submitted(draft())
		for _, id := range []string{a, b, a, b} { // refused attempts, interleaved: each history longer
			want(t, e.do("hns", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", `"1"`), 403)
		}
		refA := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+a, nil).JSON(t)["reference"].(string)
		for _, order := range []string{"oldest", "newest"} {
			for _, pair := range [][2]string{{b, a}, {a, b}} {
				from, to := pair[0], pair[1]
				for _, who := range []string{"lo-no", "auditor"} {
					page := "?order=" + order + "&limit=1"
					_, next := historyActions(t, e, who, from, page)
					if next == "" {
						t.Fatalf("%s, %s: no next_cursor", who, order)
					}
					wantProblem(t, e.do(who, http.MethodGet, "/api/v1/requests/"+to+"/history"+page+"&cursor="+url.QueryEscape(next), nil), 422, "invalid", "cursor")
					// On its own request it walks on.
					if got, _ := historyActions(t, e, who, from, page+"&cursor="+url.QueryEscape(next)); len(got) != 1 {
						t.Errorf("%s, %s: the cursor's own request: %v", who, order, got)
					}
				}
			}
			// By reference: a's cursor walks on by a's reference, and the
			// reference's cursor by a's id; b's is refused by a's reference.
			page := "?order=" + order + "&limit=1"
			_, byID := historyActions(t, e, "lo-no", a, page)
			_, byRef := historyActions(t, e, "lo-no", refA, page)
			_, ofB := historyActions(t, e, "lo-no", b, page)
			if got, _ := historyActions(t, e, "lo-no", refA, page+"&cursor="+url.QueryEscape(byID)); len(got) != 1 {
				t.Errorf("%s: a's cursor by its reference: %v", order, got)
			}
			if got, _ := historyActions(t, e, "lo-no", a, page+"&cursor="+url.QueryEscape(byRef)); len(got) != 1 {
				t.Errorf("%s: the reference's cursor by a's id: %v", order, got)
			}
			wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/"+refA+"/history"+page+"&cursor="+url.QueryEscape(ofB), nil), 422, "invalid", "cursor")
			// Another nation: 404 by reference with a cursor, as without one.
			wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+refA+"/history"+page+"&cursor="+url.QueryEscape(byID), nil), 404, "not_found")
		}
	})
}
