package domain

import (
	"slices"
	"testing"
	"time"
)

func day(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func days(ss ...string) []time.Time {
	out := make([]time.Time, len(ss))
	for i, s := range ss {
		out[i] = day(s)
	}
	return out
}

func TestNationMessage(t *testing.T) {
	for _, c := range []struct {
		over, blackout []time.Time
		want           string
	}{
		{days("2027-03-05", "2027-03-06", "2027-03-07", "2027-03-08", "2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12"), nil,
			"ravlunda would be over capacity on 5–12 March 2027"},
		{days("2027-02-28", "2027-03-01", "2027-03-05"), nil, "ravlunda would be over capacity on 28 February – 1 March 2027, 5 March 2027"},
		{days("2026-12-31", "2027-01-01"), days("2027-01-01"),
			"ravlunda would be over capacity on 31 December 2026 – 1 January 2027; ravlunda is closed (blackout) on 1 January 2027"},
		{nil, nil, ""},
	} {
		if got := NationMessage("ravlunda", c.over, c.blackout); got != c.want {
			t.Errorf("got %q, want %q", got, c.want)
		}
	}
}

// TestNationLoad: the others' load counts in steps of a tenth of the
// capacity, rounded up; nothing counts as nothing.
func TestNationLoad(t *testing.T) {
	for _, c := range []struct{ others, capacity, want int }{
		{0, 1200, 0}, {1, 1200, 120}, {120, 1200, 120}, {121, 1200, 240}, {610, 1200, 720}, {700, 1200, 720},
		{1300, 1200, 1320}, {5, 7, 5}, {3, 0, 3},
	} {
		if got := nationLoad(c.others, c.capacity); got != c.want {
			t.Errorf("nationLoad(%d, %d) = %d, want %d", c.others, c.capacity, got, c.want)
		}
	}
}

// TestWarningsFor: each audience reads its own rendering of a conflict and
// the warnings meant for everyone.
func TestWarningsFor(t *testing.T) {
	r := &Request{ID: "mine"}
	r.Personnel.Military = 600
	r.TrainingAreas = []AreaBooking{{Area: "ravlunda", From: day("2027-03-10"), To: day("2027-03-11")}}
	others := []Booking{{RequestID: "x", Reference: "SE-2026-EXA-000001", Nation: "NO", Area: "ravlunda",
		From: day("2027-03-05"), To: day("2027-03-10"), Personnel: 610}}
	area := TrainingArea{Code: "ravlunda", CapacityPersonnel: 1200, BlackoutDays: days("2027-03-11")}
	cs := Deconflict(r, map[string]TrainingArea{"ravlunda": area}, BookingLoad(others, r.ID))
	NameOthers(cs, others, r.ID) // as a final approval does; submit warnings name no one
	ws := ConflictWarnings(cs)
	msgs := func(p Principal) []string {
		var out []string
		for _, w := range WarningsFor(ws, p) {
			out = append(out, w.Code+": "+w.Message)
		}
		return out
	}
	lo := msgs(Principal{Subject: "lo", Roles: []Role{RoleLiaison}, Nation: "DE"})
	if len(lo) != 2 || lo[0] != "area_capacity: ravlunda would be over capacity on 10 March 2027" ||
		lo[1] != "area_blackout: ravlunda is closed (blackout) on 11 March 2027" {
		t.Errorf("liaison: %q", lo)
	}
	ops := msgs(Principal{Subject: "ops", Roles: []Role{RoleOperations}})
	if len(ops) != 2 || ops[0] != "area_capacity: training area ravlunda would exceed its capacity of 1200 personnel (peak 1210) together with SE-2026-EXA-000001 on 10 March 2027" {
		t.Errorf("operations: %q", ops)
	}
}

// TestWarningsForLegacy: a capacity warning stored before audiences (it
// names other requests) is shown to approvers only; other warnings to all.
func TestWarningsForLegacy(t *testing.T) {
	ws := []Warning{{Code: "area_capacity", Message: "… together with SE-2026-EXA-000001 …"}, {Code: "framework_not_applicable", Message: "live fire"}}
	lo := WarningsFor(ws, Principal{Roles: []Role{RoleLiaison}, Nation: "DE"})
	if len(lo) != 1 || lo[0].Code != "framework_not_applicable" {
		t.Errorf("liaison: %v", lo)
	}
	if ops := WarningsFor(ws, Principal{Roles: []Role{RoleOperations}}); len(ops) != 2 {
		t.Errorf("operations: %v", ops)
	}
}

// TestConflictWarningsNameTheArea: every rendering of a conflict names the
// area as the reference data names it, never by its code, and keeps its
// code; an area without a name falls back to the code.
func TestConflictWarningsNameTheArea(t *testing.T) {
	r := &Request{ID: "mine"}
	r.Personnel.Military = 600
	r.TrainingAreas = []AreaBooking{{Area: "ravlunda", From: day("2027-03-10"), To: day("2027-03-11")}}
	others := []Booking{{RequestID: "x", Reference: "SE-2026-EXA-000001", Nation: "NO", Area: "ravlunda",
		From: day("2027-03-05"), To: day("2027-03-10"), Personnel: 610}}
	for _, c := range []struct {
		name, label string
	}{{"Ravlunda skjutfält", "Ravlunda skjutfält"}, {"", "ravlunda"}} {
		area := TrainingArea{Code: "ravlunda", Name: c.name, CapacityPersonnel: 1200, BlackoutDays: days("2027-03-11")}
		cs := Deconflict(r, map[string]TrainingArea{"ravlunda": area}, BookingLoad(others, r.ID))
		NameOthers(cs, others, r.ID)
		var got []string
		for _, w := range ConflictWarnings(cs) {
			got = append(got, w.Code+" "+w.Audience+": "+w.Message)
		}
		want := []string{
			"area_capacity approvers: training area " + c.label + " would exceed its capacity of 1200 personnel (peak 1210) together with SE-2026-EXA-000001 on 10 March 2027",
			"area_capacity nation: " + c.label + " would be over capacity on 10 March 2027",
			"area_blackout : " + c.label + " is closed (blackout) on 11 March 2027",
		}
		if !slices.Equal(got, want) {
			t.Errorf("name %q:\n got %q\nwant %q", c.name, got, want)
		}
		if m := cs[0].Message(); m != want[0][len("area_capacity approvers: "):]+"; training area "+c.label+" is closed (blackout) on 11 March 2027" {
			t.Errorf("name %q: Message() = %q", c.name, m)
		}
	}
}

// TestConflictDaysInWords: the approvers' sentence of a conflict words its
// days as the liaison officer's does ("9–12 March 2027"), never as
// "2027-03-09 to 2027-03-12".
func TestConflictDaysInWords(t *testing.T) {
	c := AreaConflict{Area: "ravlunda", Name: "Ravlunda skjutfält", Capacity: 1200, Peak: 1300,
		OverDays:       days("2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12", "2027-03-31", "2027-04-01"),
		NationOverDays: days("2027-03-09", "2027-03-10", "2027-03-11", "2027-03-12", "2027-03-31", "2027-04-01"),
		Blackout:       days("2027-03-14")}
	want := "training area Ravlunda skjutfält would exceed its capacity of 1200 personnel (peak 1300) on 9–12 March 2027, 31 March – 1 April 2027; " +
		"training area Ravlunda skjutfält is closed (blackout) on 14 March 2027"
	if got := c.Message(); got != want {
		t.Errorf("Message() = %q\nwant %q", got, want)
	}
	if got := NationMessage(c.Label(), c.NationOverDays, nil); got != "Ravlunda skjutfält would be over capacity on 9–12 March 2027, 31 March – 1 April 2027" {
		t.Errorf("NationMessage = %q", got)
	}
}

// TestDayRuns: consecutive days group into one run, across a month's and a
// year's end; a day alone is a run of itself.
func TestDayRuns(t *testing.T) {
	got := DayRuns(days("2026-12-30", "2026-12-31", "2027-01-01", "2027-03-05", "2027-03-09", "2027-03-10"))
	want := [][2]time.Time{
		{days("2026-12-30")[0], days("2027-01-01")[0]},
		{days("2027-03-05")[0], days("2027-03-05")[0]},
		{days("2027-03-09")[0], days("2027-03-10")[0]},
	}
	if len(got) != len(want) {
		t.Fatalf("DayRuns = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i][0].Equal(want[i][0]) || !got[i][1].Equal(want[i][1]) {
			t.Errorf("run %d = %v, want %v", i, got[i], want[i])
		}
	}
	if DayRuns(nil) != nil {
		t.Error("DayRuns(nil) is not empty")
	}
}
