package api

import (
	"net/http"
	"testing"
	"time"
)

// TestInvalidFieldsAtOnce: a create and an edit with an empty exercise
// name, a period that has ended and an unknown framework agreement are
// refused once, naming all three fields, not in three rounds.
func TestInvalidFieldsAtOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", draft())                                             // on testNow, before the period
		e.clock = func() time.Time { return time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC) } // the period (to 2027-03-20) has ended
		body := draft()
		body["exercise_name"], body["framework_id"] = "", "nope"
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", body),
			http.StatusUnprocessableEntity, "invalid", "exercise_name", "period.end", "framework_id")
		patch := map[string]any{"exercise_name": "", "framework_id": "nope"}
		wantProblem(t, e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, patch, "If-Match", tag),
			http.StatusUnprocessableEntity, "invalid", "exercise_name", "period.end", "framework_id")
	})
}
