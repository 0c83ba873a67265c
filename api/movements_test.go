package api

import (
	"net/http"
	"testing"

	"exaccess/domain"
)

// TestMovementsThroughServer: a crossing on a day outside the period is
// refused naming the crossing; a crossing by another mode than its entry
// point's is accepted with a warning, in the dry run and on submit.
func TestMovementsThroughServer(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		outside := with(draft(), "movements", []any{
			map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2019-01-01T08:00:00Z", "mode": "road"},
			map[string]any{"direction": "exit", "entry_point": "storlien", "at": "2035-03-20T16:00:00Z", "mode": "road"},
		})
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", outside), 422, "invalid", "movements[0].at", "movements[1].at")
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", outside), 422, "invalid", "movements[0].at", "movements[1].at")

		bySea := with(draft(), "movements", []any{
			map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2027-03-02T08:00:00Z", "mode": "sea"},
		})
		ev := e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", bySea)
		want(t, ev, http.StatusOK)
		if !hasWarning(ev.JSON(t), domain.CodeMovementMode, "crossing 1 is planned by sea at Storlien") {
			t.Errorf("dry run warnings: %s", ev.Body)
		}
		id, _ := e.submitted(bySea)
		if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t); !hasWarning(got, domain.CodeMovementMode, "listed as a road crossing") {
			t.Errorf("submitted request's warnings: %v", got["warnings"])
		}
	})
}
