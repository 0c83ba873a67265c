package web

import (
	"context"
	"strings"
	"testing"

	"exaccess/domain"
)

// TestBrowserAmendKeepsTheAgreement: a liaison officer amends, by typing and
// clicking, requests whose framework agreement has changed since it was
// chosen, leaving the agreement's select alone. The select shows the
// request's agreement, never "Choose…", and saving keeps it: one suspended
// or ended is still offered by name; one moved to another nation is "No
// longer available" (nothing of where it went) and a request returned for
// changes keeps it; a draft that names it is refused with a message naming
// the agreement and why, and nothing of the draft changes.
func TestBrowserAmendKeepsTheAgreement(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	fws := agreements(t, e)
	lo := e.client().signIn("lo-no")
	naming := func(ref, action string) string {
		t.Helper()
		return requestID(t, lo.post("/requests/new", withValue(withValue(validForm(), "framework_id", fws[ref].ID), "action", action)))
	}
	returned := naming("FW-1", "submit")
	e.decideAs("hns", domain.RoleHNS, returned, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeRequestChanges,
		Comment: "Give the commander's name in full."})
	draftMoved, draftSuspended, draftEnded := naming("FW-1", "save"), naming("FW-2", "save"), naming("FW-0", "save")

	ctx := context.Background()
	admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
	moved := fws["FW-1"].FrameworkTerms
	moved.Nation, moved.Reference = "DE", "FW-DE-SECRET"
	if _, err := e.frameworks.Update(ctx, admin, fws["FW-1"].ID, fws["FW-1"].Version, moved); err != nil {
		t.Fatal(err)
	}

	p := domain.Principal{Subject: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}
	stored := func(id string) *domain.Request {
		t.Helper()
		r, err := e.requests.GetRequest(ctx, p, id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	b := newBrowser(t, e)
	b.signIn("lo-no")
	shown := func() string {
		t.Helper()
		return b.text(`#f-framework-id option:checked`)
	}
	amend := func(id, wantShown, shot string) {
		t.Helper()
		b.open("/requests/"+id+"/edit", shot)
		if got := shown(); got != wantShown {
			t.Errorf("%s: the agreement's select shows %q, want %q", shot, got, wantShown)
		}
		if hint := b.text("#f-framework-id-hint"); (wantShown == "No longer available") != strings.Contains(hint, "no longer available to your nation") {
			t.Errorf("%s: the agreement's hint: %q", shot, hint)
		}
		b.typeIn("#f-unit-commander", " Jr")
		b.click(`.actions button[value="save"]`, "")
	}

	for _, tc := range []struct{ id, ref, shown string }{
		{draftSuspended, "FW-2", "Paused (FW-2) (suspended)"},
		{draftEnded, "FW-0", "Old (FW-0) (ended)"},
		{returned, "FW-1", "No longer available"},
	} {
		amend(tc.id, tc.shown, "amend-"+tc.ref)
		if !strings.Contains(b.text(".notice"), "saved") {
			t.Errorf("%s: after saving: %s", tc.ref, b.text("main"))
		}
		r := stored(tc.id)
		if !strings.Contains(r.Unit.Commander, "Jr") || r.FrameworkID != fws[tc.ref].ID {
			t.Errorf("%s: saved as commander %q, agreement %q (want %s)", tc.ref, r.Unit.Commander, r.FrameworkID, fws[tc.ref].ID)
		}
		if page := b.text("main"); strings.Contains(page, "FW-DE-SECRET") || strings.Contains(page, "Germany") {
			t.Errorf("%s: the page tells where the agreement went: %s", tc.ref, page)
		}
	}

	before := stored(draftMoved)
	amend(draftMoved, "No longer available", "amend-draft-moved")
	summary := b.text(".error-summary")
	if !strings.Contains(summary, "Framework agreement: framework agreement") || !strings.Contains(summary, fws["FW-1"].ID) ||
		!strings.Contains(summary, "no longer available to your nation") {
		t.Errorf("the draft naming a moved agreement: summary %q", summary)
	}
	if got := shown(); got != "No longer available" {
		t.Errorf("after the refusal the select shows %q", got)
	}
	if page := b.text("main"); strings.Contains(page, "FW-DE-SECRET") || strings.Contains(page, "Germany") {
		t.Errorf("the refusal tells where the agreement went: %s", page)
	}
	if after := stored(draftMoved); after.Version != before.Version || after.FrameworkID != fws["FW-1"].ID {
		t.Errorf("the refused draft changed: version %d (was %d), agreement %q", after.Version, before.Version, after.FrameworkID)
	}
	// Choosing "None" is the officer's own choice, and is saved.
	b.choose("#f-framework-id", "")
	b.click(`.actions button[value="save"]`, "")
	if r := stored(draftMoved); r.FrameworkID != "" || !strings.Contains(r.Unit.Commander, "Jr") {
		t.Errorf("after choosing None: agreement %q, commander %q", r.FrameworkID, r.Unit.Commander)
	}
}
