package domain

import (
	"strings"
	"testing"
)

// TestFrameworkLapsedNotifications: an agreement that no longer covers a
// request in review tells its nation's liaison officers and the role of
// each active stage, not a pending one's; the notice names the agreement,
// lists the reasons one to a line, and says what happens now, in the
// words of each audience. A request not in review, or no reasons, tells
// nobody.
func TestFrameworkLapsedNotifications(t *testing.T) {
	f := &Framework{ID: "fw", FrameworkTerms: FrameworkTerms{Nation: "NO", Reference: "FA-NO-2027-01\nsecond line"}}
	r := &Request{ID: "r1", Reference: "SE-2027-EXA-000001", Nation: "NO", Status: StatusInReview, Route: &Route{FastTrack: true,
		Stages: []Stage{{ID: "intake", Role: RoleHNS, Status: StageActive}, {ID: "range_safety", Role: RoleRange, Status: StagePending}}}}
	why := []string{"training area Kilens övningsfält not covered", "the framework agreement is suspended"}
	evs := FrameworkLapsedNotifications("FA-NO-2027-01", f, why, r)
	if len(evs) != 2 || !audienceIs(evs[0].Audience, Audience{Nation: "NO"}) || !audienceIs(evs[1].Audience, Audience{Role: RoleHNS}) || evs[1].Stage != "intake" {
		t.Fatalf("events %+v", evs)
	}
	subject, body := RenderNotification(evs[0])
	for _, want := range []string{"Framework agreement FA-NO-2027-01 second line, on which your request SE-2027-EXA-000001 took the fast track, no longer covers it.\n",
		"\nWhy:\n  - training area Kilens övningsfält not covered\n  - the framework agreement is suspended\n",
		"its final approval will be refused", "you may withdraw the request", "Status: in_review\nRequest page: /requests/r1\n"} {
		if !strings.Contains(body, want) {
			t.Errorf("the officer's notice lacks %q:\n%s", want, body)
		}
	}
	if subject != "Fast track no longer covered: SE-2027-EXA-000001" {
		t.Errorf("subject %q", subject)
	}
	_, body = RenderNotification(evs[1])
	if !strings.Contains(body, "on which request SE-2027-EXA-000001 took the fast track") ||
		!strings.Contains(body, "waiting for your role's decision in "+StageWords("intake", RoleHNS)) ||
		!strings.Contains(body, "request changes, and the resubmission is routed again") || strings.Contains(body, "withdraw") {
		t.Errorf("the approver's notice:\n%s", body)
	}
	// Moved to another nation, with a new reference: the officers are told
	// it by the reference they knew, with the one neutral reason; the
	// approvers as it is now, with every reason.
	moved := &Framework{ID: "fw", FrameworkTerms: FrameworkTerms{Nation: "DE", Reference: "FA-DE-SECRET"}}
	evs = FrameworkLapsedNotifications("FA-NO-2027-01", moved, []string{"the framework agreement is of another nation", "live fire not covered"}, r)
	if len(evs) != 2 || evs[0].Framework != "FA-NO-2027-01" || len(evs[0].Reasons) != 1 || evs[0].Reasons[0] != FrameworkUnavailableReason ||
		evs[1].Framework != "FA-DE-SECRET" || len(evs[1].Reasons) != 2 {
		t.Fatalf("moved: events %+v", evs)
	}
	if _, body := RenderNotification(evs[0]); strings.Contains(body, "FA-DE") || strings.Contains(body, "another nation") || strings.Contains(body, "live fire") {
		t.Errorf("the officer's notice of a moved agreement:\n%s", body)
	}
	if evs := FrameworkLapsedNotifications("FA-NO-2027-01", f, nil, r); len(evs) != 0 {
		t.Errorf("no reasons: %+v", evs)
	}
	approved := *r
	approved.Status = StatusApproved
	if evs := FrameworkLapsedNotifications("FA-NO-2027-01", f, why, &approved); len(evs) != 0 {
		t.Errorf("an approved request: %+v", evs)
	}
}
