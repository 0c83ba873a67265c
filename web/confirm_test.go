package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestDelegationRevokeOfTheOldestIsConfirmed: the oldest of 501
// delegations, far past the delegations page's first page (and the 500
// the list once stopped at), is asked to be confirmed like the newest, and
// is not revoked without its confirmation.
func TestDelegationRevokeOfTheOldestIsConfirmed(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	ctx := context.Background()
	addDelegations(t, e, 501)
	admin := e.client().signIn("admin")
	for _, id := range []string{"d-000", "d-500"} {
		ask := admin.post("/delegations/"+id+"/revoke", url.Values{})
		wantStatus(t, ask, http.StatusOK)
		if ask.Doc.Find(`input[name="confirm"]`).AttrOr("value", "") != confirmYes {
			t.Errorf("%s was not asked to be confirmed", id)
		}
	}
	err := e.db.InTx(ctx, func(tx domain.Tx) error {
		d, err := tx.GetDelegation("d-000")
		if err == nil && d.RevokedAt != nil {
			t.Errorf("the delegation was revoked without being confirmed")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// noConfirm fails when p asks to confirm.
func noConfirm(t *testing.T, p page, what string) {
	t.Helper()
	if p.Doc.Find(`input[name="confirm"]`).Length() != 0 {
		t.Errorf("%s was asked to be confirmed", what)
	}
}

// wantWarn checks p's warning.
func wantWarn(t *testing.T, p page, want string) {
	t.Helper()
	if got := strings.TrimSpace(p.Doc.Find("main .warn[role=alert]").First().Text()); got != want {
		t.Errorf("warning %q, want %q", got, want)
	}
}

// TestConfirmPageChecksTheStatusAndTheWholeReason: at the version the
// form was rendered at, a withdrawal or a revocation that the request's
// status (or a permit's ended period) does not allow is not asked to be
// confirmed: the request's page says so in the domain's words, as the
// confirmed post does, with the reason typed. A reason the domain refuses
// for its characters comes back at its field, what was typed kept, before
// any confirmation, as one too long does.
func TestConfirmPageChecksTheStatusAndTheWholeReason(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		auditor := domain.Principal{Subject: "auditor", Roles: []domain.Role{domain.RoleAuditor}}
		status := func(id string) domain.Status {
			t.Helper()
			r, err := e.requests.GetRequest(ctx, auditor, id)
			if err != nil {
				t.Fatal(err)
			}
			return r.Status
		}
		lo := e.client().signIn("lo-no")
		ops := e.client().signIn("ops")
		approved := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(approved)
		inReview := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))

		// Withdrawing an approved request, at its current version: the
		// status does not allow it, first press or confirmed.
		v := formVersion(ops.get("/requests/"+approved), "revoke")
		for _, confirm := range []string{"", confirmYes} {
			p := lo.post("/requests/"+approved+"/withdraw", url.Values{"version": {v}, "reason": {"Plans changed"}, "confirm": {confirm}})
			wantStatus(t, p, http.StatusConflict)
			noConfirm(t, p, "withdrawing an approved request")
			wantWarn(t, p, "The request was not withdrawn: cannot withdraw a request that is approved")
		}
		if got := status(approved); got != domain.StatusApproved {
			t.Fatalf("the approved request is %s", got)
		}

		// Revoking a permit of a request in review: no permit yet.
		page := lo.get("/requests/" + inReview)
		w := formVersion(page, "withdraw")
		for _, confirm := range []string{"", confirmYes} {
			p := ops.post("/requests/"+inReview+"/revoke", url.Values{"version": {w}, "reason": {"Range closed"}, "confirm": {confirm}})
			wantStatus(t, p, http.StatusConflict)
			noConfirm(t, p, "revoking a request in review")
			wantWarn(t, p, "The permit was not revoked: cannot revoke a request that is in_review")
		}

		// A reason with a control character or an invisible bidirectional
		// control: refused at the field before any confirmation, as typed.
		bell := "Plans\achanged"
		p := lo.post("/requests/"+inReview+"/withdraw", url.Values{"version": {w}, "reason": {bell}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		noConfirm(t, p, "a withdrawal whose reason has a control character")
		wantFieldError(t, p, "f-withdraw-reason", "Reason for withdrawing: must not contain control characters", "control characters")
		if got := p.Doc.Find("#f-withdraw-reason").AttrOr("value", ""); got != bell {
			t.Errorf("the withdrawal's reason as typed: %q", got)
		}
		bidi := "Range closed \u202eby fire"
		p = ops.post("/requests/"+approved+"/revoke", url.Values{"version": {v}, "reason": {bidi}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		noConfirm(t, p, "a revocation whose reason has a bidirectional control")
		wantFieldError(t, p, "f-revoke-reason", "Reason for revoking: must not contain invisible format or bidirectional control characters (found U+202E)", "U+202E")
		if got := p.Doc.Find("#f-revoke-reason").AttrOr("value", ""); got != bidi {
			t.Errorf("the revocation's reason as typed: %q", got)
		}

		// A permit already revoked, revoked again from its current version.
		if r := ops.post("/requests/"+approved+"/revoke", url.Values{"version": {v}, "reason": {"Range closed"}, "confirm": {confirmYes}}); r.Header.Get("Location") != "/requests/"+approved+"?done=revoked" {
			t.Fatalf("revoke: %d %q", r.Status, r.Header.Get("Location"))
		}
		page = ops.get("/requests/" + approved)
		if page.Doc.Find(`form[action$="/revoke"]`).Length() != 0 {
			t.Error("a revoked permit offers to revoke it")
		}
		now := strconv.Itoa(currentVersion(t, e, approved))
		p = ops.post("/requests/"+approved+"/revoke", url.Values{"version": {now}, "reason": {"Again"}})
		wantStatus(t, p, http.StatusConflict)
		noConfirm(t, p, "revoking a revoked permit")
		wantWarn(t, p, "The permit was not revoked: cannot revoke a request that is revoked")

		// An approved permit whose period has ended (not yet swept to
		// expired): its page offers no revocation, and one sent is refused.
		ended := requestID(t, lo.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(ended)
		e.clock = func() time.Time { return time.Date(2027, 3, 21, 9, 0, 0, 0, time.UTC) }
		ops = e.client().signIn("ops")
		page = ops.get("/requests/" + ended)
		if page.Doc.Find(`form[action$="/revoke"]`).Length() != 0 {
			t.Error("a permit whose period has ended offers to revoke it")
		}
		now = strconv.Itoa(currentVersion(t, e, ended))
		for _, confirm := range []string{"", confirmYes} {
			p = ops.post("/requests/"+ended+"/revoke", url.Values{"version": {now}, "reason": {"Range closed"}, "confirm": {confirm}})
			wantStatus(t, p, http.StatusConflict)
			noConfirm(t, p, "revoking a permit whose period has ended")
			wantWarn(t, p, "The permit was not revoked: the request's period has ended; it has expired and cannot be revoked")
		}
		err := e.db.InTx(ctx, func(tx domain.Tx) error { // as stored: read, it shows as expired
			r, err := tx.GetRequest(ended)
			if err == nil && r.Status != domain.StatusApproved {
				t.Errorf("the ended permit is stored as %s, want approved (not revoked)", r.Status)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// currentVersion is request id's version now.
func currentVersion(t *testing.T, e *env, id string) int {
	t.Helper()
	r, err := e.requests.GetRequest(context.Background(), domain.Principal{Subject: "auditor", Roles: []domain.Role{domain.RoleAuditor}}, id)
	if err != nil {
		t.Fatal(err)
	}
	return r.Version
}

// TestDelegationConfirmPageChecksItsState: a delegation already revoked,
// or one that has ended, is not asked to be confirmed: the delegations
// page says why, as the confirmed post does, and nothing is revoked; the
// list offers no Revoke on either.
func TestDelegationConfirmPageChecksItsState(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		ops := e.client().signIn("ops")
		for _, to := range []string{"gov", "range"} {
			if p := ops.post("/delegations", url.Values{"to": {to}, "role": {"operations_approver"}, "ends": {"2026-12-31"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("delegate to %s: %d", to, p.Status)
			}
		}
		list, err := allDelegations(ctx, e.approvals, domain.Principal{Subject: "ops", Roles: []domain.Role{domain.RoleOperations}})
		if err != nil || len(list) != 2 {
			t.Fatalf("%d delegations, %v", len(list), err)
		}
		ids := map[string]string{}
		for _, d := range list {
			ids[d.To] = d.ID
		}
		revoked, ended := ids["gov"], ids["range"]
		if p := ops.post("/delegations/"+revoked+"/revoke", url.Values{"confirm": {confirmYes}}); p.Header.Get("Location") != "/delegations?revoked="+revoked {
			t.Fatalf("revoke: %d %q", p.Status, p.Header.Get("Location"))
		}
		for _, confirm := range []string{"", confirmYes} {
			p := ops.post("/delegations/"+revoked+"/revoke", url.Values{"confirm": {confirm}})
			wantStatus(t, p, http.StatusConflict)
			noConfirm(t, p, "revoking a revoked delegation")
			wantWarn(t, p, "The delegation was not revoked: the delegation was already revoked")
		}

		e.clock = func() time.Time { return time.Date(2027, 1, 2, 9, 0, 0, 0, time.UTC) }
		ops = e.client().signIn("ops")
		if n := ops.get("/delegations").Doc.Find(`form[action$="/revoke"]`).Length(); n != 0 {
			t.Errorf("%d Revoke buttons on ended or revoked delegations", n)
		}
		for _, confirm := range []string{"", confirmYes} {
			p := ops.post("/delegations/"+ended+"/revoke", url.Values{"confirm": {confirm}})
			wantStatus(t, p, http.StatusConflict)
			noConfirm(t, p, "revoking an ended delegation")
			wantWarn(t, p, "The delegation was not revoked: the delegation has already ended")
		}
		err = e.db.InTx(ctx, func(tx domain.Tx) error {
			d, err := tx.GetDelegation(ended)
			if err == nil && d.RevokedAt != nil {
				t.Error("the ended delegation was revoked")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
