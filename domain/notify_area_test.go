package domain

import (
	"strings"
	"testing"
	"time"
)

// TestAreaClosedNotifications: days closed on an area tell a request in
// review or approved that books them, naming only its own days there: its
// nation's liaison officers (an approved one's permit still lists them)
// and, in review, its active stages' roles; a request in another status,
// or whose bookings miss the days, is told nothing.
func TestAreaClosedNotifications(t *testing.T) {
	at := time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)
	area := TrainingArea{Code: "ravlunda", Name: "Ravlunda skjutfält"}
	added := []time.Time{day("2027-03-10"), day("2027-03-11"), day("2027-04-01")}
	req := func(st Status) *Request {
		return &Request{ID: "r1", Reference: "SE-2027-EXA-000001", Nation: "NO", Status: st,
			Details: Details{TrainingAreas: []AreaBooking{{Area: "ravlunda", From: day("2027-03-05"), To: day("2027-03-12")},
				{Area: "kilen", From: day("2027-04-01"), To: day("2027-04-02")}}},
			Route: &Route{Stages: []Stage{
				{ID: "intake", Role: RoleHNS, Order: 1, Status: StageApproved, ActivatedAt: &at},
				{ID: "range_safety", Role: RoleRange, Order: 2, Status: StageActive, ActivatedAt: &at},
				{ID: "operations", Role: RoleOperations, Order: 3, Status: StagePending}}}}
	}
	// The request's bookings of area, as the store lists them.
	booked := []Booking{{RequestID: "r1", Reference: "SE-2027-EXA-000001", Area: "ravlunda", From: day("2027-03-05"), To: day("2027-03-12")}}
	closedOf := func(added []time.Time) []time.Time {
		if hits := hitsOf(booked, added); len(hits) == 1 {
			return hits[0].Days
		}
		return nil
	}
	evs := AreaClosedNotifications(area, closedOf(added), req(StatusInReview))
	if len(evs) != 2 || !audienceIs(evs[0].Audience, Audience{Nation: "NO"}) || !audienceIs(evs[1].Audience, Audience{Role: RoleRange}) {
		t.Fatalf("in review: %+v, want the nation's and the active stage's role's", evs)
	}
	_, body := RenderNotification(evs[0])
	if !strings.Contains(body, "Ravlunda skjutfält is now closed (blackout) on 10–11 March 2027, days that your request SE-2027-EXA-000001 books there.\n") ||
		strings.Contains(body, "April") || strings.Contains(body, "Permit page") {
		t.Errorf("the liaison officers of a request in review:\n%s", body)
	}
	subject, body := RenderNotification(evs[1])
	if subject != "Days closed on Ravlunda skjutfält: SE-2027-EXA-000001" ||
		!strings.Contains(body, "waiting for your role's decision in the range safety review") {
		t.Errorf("the stage's role: %q\n%s", subject, body)
	}
	evs = AreaClosedNotifications(area, closedOf(added), req(StatusApproved))
	if len(evs) != 1 || evs[0].Audience.Nation != "NO" {
		t.Fatalf("approved: %+v, want the nation's only", evs)
	}
	if _, body := RenderNotification(evs[0]); !strings.Contains(body, "Its permit, signed at approval, still lists these days: do not use the area on them.") ||
		!strings.Contains(body, "Permit page: /requests/r1/permit\n") {
		t.Errorf("approved:\n%s", body)
	}
	for _, st := range []Status{StatusDraft, StatusChangesRequested, StatusRejected, StatusWithdrawn, StatusRevoked, StatusExpired} {
		if evs := AreaClosedNotifications(area, closedOf(added), req(st)); len(evs) != 0 {
			t.Errorf("%s is told: %+v", st, evs)
		}
	}
	if evs := AreaClosedNotifications(area, closedOf([]time.Time{day("2027-03-13")}), req(StatusApproved)); len(evs) != 0 {
		t.Errorf("a day no booking covers is told: %+v", evs)
	}
}
