package api

import (
	"net/http"
	"testing"
)

// TestStageNoticesLeaveOutBarredApprovers: ops delegates
// operations_approver to hns, who then approves intake. The operations
// stage that intake's approval makes active is not in hns's queue
// (separation of duties: nobody decides two stages of one request), and
// hns is not told of it either; the operations holders are.
func TestStageNoticesLeaveOutBarredApprovers(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "hns", "role": "operations_approver", "ends": "2026-12-01T00:00:00Z"}),
			http.StatusCreated)
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)

		if got := activationRows(t, e, id, "hns", ""); got != "intake email queued" {
			t.Errorf("hns's stage notices: %s; want the intake one alone (not operations, which hns may not decide)", got)
		}
		for _, holder := range []string{"ops", "ops2"} {
			if got, w := activationRows(t, e, id, holder, ""), "operations email queued"; got != w {
				t.Errorf("%s: %s; want %s", holder, got, w)
			}
		}
		if got, w := activationRows(t, e, id, "range", ""), "range_safety email queued"; got != w {
			t.Errorf("range: %s; want %s", got, w)
		}
	})
}
