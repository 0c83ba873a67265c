package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAreaCapacityCutAnswer: a PATCH that lowers an area's capacity below
// what is booked answers, with the area, the days from today on that
// approved requests alone exceed it and that approved requests and
// requests in review together exceed it (over_capacity_days), and a
// sentence for each (warnings); a raise answers empty lists.
func TestAreaCapacityCutAnswer(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft()) // 465 personnel at Ravlunda, 5-12 March 2027
		e.approve(id, tag)
		e.submitted(with(draft(), "training_areas", []any{map[string]any{"area": "ravlunda", "from": "2027-03-11", "to": "2027-03-14"}}))

		const path = "/api/v1/training-areas/ravlunda"
		patch := func(capacity int) map[string]any {
			t.Helper()
			etag := e.do("admin", http.MethodGet, path, nil).Header.Get("ETag")
			r := e.do("admin", http.MethodPatch, path, map[string]any{"capacity_personnel": capacity}, "If-Match", etag)
			want(t, r, http.StatusOK)
			return r.JSON(t)
		}
		strs := func(v any) []string {
			var out []string
			for _, s := range v.([]any) {
				out = append(out, s.(string))
			}
			return out
		}
		span := func(from, to int) []string {
			var out []string
			for d := from; d <= to; d++ {
				out = append(out, "2027-03-"+string(rune('0'+d/10))+string(rune('0'+d%10)))
			}
			return out
		}

		got := patch(400)
		if got["capacity_personnel"] != float64(400) || got["code"] != "ravlunda" {
			t.Errorf("the area: %v", got)
		}
		over := got["over_capacity_days"].(map[string]any)
		if a := strs(over["approved"]); !slices.Equal(a, span(5, 12)) {
			t.Errorf("approved over: %v", a)
		}
		if a := strs(over["with_in_review"]); !slices.Equal(a, span(5, 14)) {
			t.Errorf("with in review over: %v", a)
		}
		w := strs(got["warnings"])
		if len(w) != 2 || !strings.Contains(w[0], "Approved requests book more than the new capacity of 400 personnel on 5–12 March 2027") ||
			!strings.Contains(w[1], "Together with requests in review, bookings exceed the new capacity of 400 personnel on 13–14 March 2027") {
			t.Errorf("warnings: %q", w)
		}

		got = patch(2000)
		over = got["over_capacity_days"].(map[string]any)
		if len(got["warnings"].([]any))+len(over["approved"].([]any))+len(over["with_in_review"].([]any)) != 0 {
			t.Errorf("a raise answers %v", got)
		}
	})
}
