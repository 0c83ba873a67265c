package api

import (
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// TestQueueOffersAFreshReviewAfterResubmission: the queue offers exactly
// the stages Decide accepts, over several review rounds. hns requests
// changes at intake; once the request is resubmitted, intake is in hns's
// queue again (a fresh review of their own stage) and hns decides it. In the
// next round range, who requested changes at range_safety, finds it in their
// queue once it is active again, and decides it; neither is offered a stage
// of the request they did not decide before. The queue once kept the
// earlier round's decisions as current ones and showed hns nothing while
// Decide accepted hns's decision.
func TestQueueOffersAFreshReviewAfterResubmission(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(warshipDraft())
		queued := func(as string) []string {
			t.Helper()
			q := e.do(as, http.MethodGet, "/api/v1/queue", nil)
			want(t, q, http.StatusOK)
			var out []string
			for _, it := range q.JSON(t)["items"].([]any) {
				m := it.(map[string]any)
				if m["request_id"] == id {
					out = append(out, m["stage"].(string))
				}
			}
			return out
		}
		wantQueued := func(round int, as string, stages ...string) {
			t.Helper()
			if got := queued(as); !slices.Equal(got, stages) {
				t.Errorf("round %d: %s's queue has %v of the request, want %v", round, as, got, stages)
			}
		}
		resubmit := func(round int, tag string) string {
			t.Helper()
			p := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id,
				map[string]any{"purpose": fmt.Sprintf("Amended for round %d", round)}, "If-Match", tag)
			want(t, p, http.StatusOK)
			s := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", p.Header.Get("ETag"))
			want(t, s, http.StatusOK)
			if st := stageStatuses(t, s); st["intake"] != "active" {
				t.Fatalf("round %d: resubmitted route %v", round, st)
			}
			return s.Header.Get("ETag")
		}

		r := e.decide("hns", id, tag, "intake", "request_changes", "add the parent formation's contact")
		want(t, r, http.StatusOK)
		wantQueued(1, "hns")

		tag = resubmit(2, r.Header.Get("ETag"))
		wantQueued(2, "hns", "intake")
		r = e.decide("hns", id, tag, "intake", "approve", "")
		want(t, r, http.StatusOK)
		wantQueued(2, "hns")
		wantQueued(2, "range", "range_safety")
		r = e.decide("range", id, r.Header.Get("ETag"), "range_safety", "request_changes", "name the range safety officer")
		want(t, r, http.StatusOK)

		tag = resubmit(3, r.Header.Get("ETag"))
		wantQueued(3, "hns", "intake")
		r = e.decide("hns", id, tag, "intake", "approve", "")
		want(t, r, http.StatusOK)
		if st := stageStatuses(t, r); st["range_safety"] != "active" || st["operations"] != "active" {
			t.Fatalf("round 3 after intake: %v", st)
		}
		wantQueued(3, "hns")
		wantQueued(3, "range", "range_safety")
		wantQueued(3, "ops", "operations")
		want(t, e.decide("range", id, r.Header.Get("ETag"), "range_safety", "approve", ""), http.StatusOK)
		wantQueued(3, "range")
	})
}
