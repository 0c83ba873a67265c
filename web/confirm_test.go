package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestConfirmPageNeverAsksForWhatWillBeRefused: a withdrawal or a
// revocation the domain would refuse is not first confirmed. A revocation
// without a reason and a withdrawal whose reason is over the domain's
// limit come back at once with the request page's error at the field; a
// form rendered at an older version goes back to the request with the
// stale notice. A valid one is still asked to confirm.
func TestConfirmPageNeverAsksForWhatWillBeRefused(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		id := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(id)
		ops := e.client().signIn("ops")
		page := ops.get("/requests/" + id)
		v := formVersion(page, "revoke")

		p := ops.post("/requests/"+id+"/revoke", url.Values{"version": {v}, "reason": {"  "}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantFieldError(t, p, "f-revoke-reason", "Reason for revoking: is required", "is required")
		if p.Doc.Find(`input[name="confirm"]`).Length() != 0 {
			t.Errorf("a revocation without a reason was asked to be confirmed")
		}
		long := strings.Repeat("é", domain.MaxComment+1)
		p = ops.post("/requests/"+id+"/revoke", url.Values{"version": {v}, "reason": {long}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantFieldError(t, p, "f-revoke-reason", fmt.Sprintf("Reason for revoking: must be at most %d characters", domain.MaxComment), "at most")

		stale := ops.post("/requests/"+id+"/revoke", url.Values{"version": {"1"}, "reason": {"Exercise cancelled"}})
		if loc := stale.Header.Get("Location"); stale.Status != http.StatusSeeOther || loc != "/requests/"+id+"?done=stale" {
			t.Errorf("revoke from a stale page: %d %q, want the stale notice", stale.Status, loc)
		}

		ask := ops.post("/requests/"+id+"/revoke", url.Values{"version": {v}, "reason": {"Exercise cancelled"}})
		wantStatus(t, ask, http.StatusOK)
		if ask.Doc.Find(`input[name="confirm"]`).AttrOr("value", "") != confirmYes {
			t.Errorf("a valid revocation was not asked to be confirmed")
		}

		other := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		page = lo.get("/requests/" + other)
		w := formVersion(page, "withdraw")
		p = lo.post("/requests/"+other+"/withdraw", url.Values{"version": {w}, "reason": {strings.Repeat("x", domain.MaxPurpose+1)}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantFieldError(t, p, "f-withdraw-reason", fmt.Sprintf("Reason for withdrawing: must be at most %d characters", domain.MaxPurpose), "at most")
		if p.Doc.Find(`input[name="confirm"]`).Length() != 0 {
			t.Errorf("a withdrawal with a reason too long was asked to be confirmed")
		}
		stale = lo.post("/requests/"+other+"/withdraw", url.Values{"version": {"1"}, "reason": {""}})
		if loc := stale.Header.Get("Location"); stale.Status != http.StatusSeeOther || loc != "/requests/"+other+"?done=stale" {
			t.Errorf("withdraw from a stale page: %d %q, want the stale notice", stale.Status, loc)
		}
		ask = lo.post("/requests/"+other+"/withdraw", url.Values{"version": {w}, "reason": {""}})
		wantStatus(t, ask, http.StatusOK)
		if ask.Doc.Find(`input[name="confirm"]`).AttrOr("value", "") != confirmYes {
			t.Errorf("a withdrawal without a reason (which needs none) was not asked to be confirmed")
		}
	})
}

// TestDelegationRevokeBeyondTheListIsRefused: a delegation older than the
// newest the delegations page lists has no confirmation page; revoking it
// without one is refused, and it stays in force.
func TestDelegationRevokeBeyondTheListIsRefused(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ctx := context.Background()
	now := e.clock()
	err := e.db.InTx(ctx, func(tx domain.Tx) error {
		for i := range 501 { // d-000 is the oldest, the one left out
			d := domain.Delegation{ID: fmt.Sprintf("d-%03d", i), From: "ops", To: "ops2", Role: domain.RoleOperations,
				Starts: now, Ends: now.AddDate(0, 0, 10), CreatedAt: now}
			if err := tx.CreateDelegation(&d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	admin := e.client().signIn("admin")
	p := admin.post("/delegations/d-000/revoke", url.Values{})
	if p.Status == http.StatusSeeOther || p.Status == http.StatusOK {
		t.Errorf("revoke of a delegation beyond the list: %d %q, want a refusal", p.Status, p.Header.Get("Location"))
	}
	err = e.db.InTx(ctx, func(tx domain.Tx) error {
		d, err := tx.GetDelegation("d-000")
		if err == nil && d.RevokedAt != nil {
			t.Errorf("the delegation was revoked without being confirmed")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// One in the list is still asked to confirm.
	ask := admin.post("/delegations/d-500/revoke", url.Values{})
	wantStatus(t, ask, http.StatusOK)
	if ask.Doc.Find(`input[name="confirm"]`).AttrOr("value", "") != confirmYes {
		t.Errorf("a listed delegation was not asked to be confirmed")
	}
}
