package api

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestRevokedDelegationWithdrawsItsNotices: ops delegates operations to
// range. Intake approved, the range_safety and operations stages become
// active together, and range is told of both, by e-mail and webhook: of
// range_safety in its own right, of operations through the delegation.
// When ops revokes the delegation, the operations notices queued to range
// are withdrawn, saying why; the range_safety ones, and the operations
// holders' own, still go out.
func TestRevokedDelegationWithdrawsItsNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/range"}), http.StatusCreated)
		d := e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "operations_approver", "ends": "2026-12-01T00:00:00Z"})
		want(t, d, http.StatusCreated)
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)

		rows := func(user string) string { return activationRows(t, e, id, user, domain.DelegationRevokedError) }
		if got, w := rows("range"), "operations email queued, operations webhook queued, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range before the revocation: %s; want %s", got, w)
		}

		want(t, e.do("ops", http.MethodDelete, "/api/v1/delegations/"+d.JSON(t)["id"].(string), nil), http.StatusOK)
		if got, w := rows("range"), "operations email undeliverable, operations webhook undeliverable, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range after the revocation: %s; want %s", got, w)
		}
		for _, holder := range []string{"ops", "ops2"} {
			if got, w := rows(holder), "operations email queued"; got != w {
				t.Errorf("%s after the revocation: %s; want %s", holder, got, w)
			}
		}
	})
}

// TestDisabledDelegatorWithdrawsItsDelegatesNotices: as above, but the
// delegation is not revoked: an administrator disables ops, the delegator,
// and the delegation stops counting. The operations notices queued to
// range through it are withdrawn in the same transaction, saying why; the
// range_safety ones, and ops2's own operations notice, still go out.
func TestDisabledDelegatorWithdrawsItsDelegatesNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		want(t, e.do("range", http.MethodPost, "/api/v1/me/webhooks", map[string]any{"url": "https://hooks.example/range"}), http.StatusCreated)
		want(t, e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "operations_approver", "ends": "2026-12-01T00:00:00Z"}),
			http.StatusCreated)
		id, tag := e.submitted(draft())
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)

		rows := func(user string) string { return activationRows(t, e, id, user, domain.DelegationLapsedError) }
		if got, w := rows("range"), "operations email queued, operations webhook queued, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range before ops is disabled: %s; want %s", got, w)
		}

		opsID, _ := e.userID("ops")
		want(t, e.do("admin", http.MethodPost, "/api/v1/users/"+opsID+"/disable", map[string]any{"reason": "left"}), http.StatusOK)
		if got, w := rows("range"), "operations email undeliverable, operations webhook undeliverable, range_safety email queued, range_safety webhook queued"; got != w {
			t.Fatalf("range after ops is disabled: %s; want %s", got, w)
		}
		if got, w := rows("ops2"), "operations email queued"; got != w {
			t.Errorf("ops2 after ops is disabled: %s; want %s", got, w)
		}
	})
}

// activationRows lists user's outbox rows of request id's stage
// activations as "stage channel status", sorted; an undeliverable row
// names its reason unless it is reason.
func activationRows(t *testing.T, e *env, id, user, reason string) string {
	t.Helper()
	var out []string
	for _, n := range e.outboxOf(id, user) {
		if n.Kind != domain.NotifyStageActive {
			continue
		}
		stage := strings.Fields(strings.TrimPrefix(n.Body, "Stage "))[0]
		s := stage + " " + n.Channel + " " + n.Status
		if n.Status == domain.DeliveryUndeliverable && n.LastError != reason {
			s += " (" + n.LastError + ")"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
