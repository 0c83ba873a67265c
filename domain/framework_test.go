package domain

import (
	"slices"
	"testing"
	"time"
)

func TestFitNeverCoversWarshipsOrArmedAircraft(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	// An agreement as generous as its terms allow: everything it can cover, it covers.
	f := &Framework{FrameworkTerms: FrameworkTerms{Nation: "NO", Reference: "FA-NO-1",
		ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen"},
		EntryPoints: []string{"storlien", "port-lulea"}, PersonnelCeiling: 10000, LiveFire: true, DangerousGoods: true}}
	base := Details{Period: Period{Start: day("2027-03-22"), End: day("2027-03-31")}, Personnel: Personnel{Military: 600},
		Movements: []Movement{{Direction: DirectionEntry, EntryPoint: "storlien", Mode: "road"}},
		Weapons:   Weapons{LiveFire: true}, DangerousGoods: []DangerousGood{{UNNumber: "0012", Class: "1.4S"}}}
	tests := []struct {
		name string
		edit func(d *Details)
		want []string
	}{
		{"inside the agreement", func(d *Details) {}, nil},
		{"an auxiliary vessel and unarmed aircraft", func(d *Details) {
			d.Vessels = []Vessel{{Name: "Maud", Kind: VesselAuxiliary}}
			d.Aircraft = []Aircraft{{Type: "C-130J", Count: 2, Cameras: true, EWEquipment: true}}
		}, nil},
		{"two warships", func(d *Details) {
			d.Vessels = []Vessel{{Name: "Nansen", Kind: VesselWarship}, {Name: "Maud", Kind: VesselAuxiliary}, {Name: "Thor", Kind: VesselWarship}}
		}, []string{"2 warship(s): a framework agreement cannot cover warships, the Government decides each visit"}},
		{"armed combat aircraft", func(d *Details) {
			d.Aircraft = []Aircraft{{Type: "F-35A", Count: 8, Armed: true}, {Type: "JAS 39", Count: 2, Armed: true}, {Type: "C-130J", Count: 1}}
		}, []string{"10 armed aircraft: a framework agreement cannot cover armed combat aircraft, the Government decides each case"}},
		{"both, and an exceeded limit", func(d *Details) {
			d.Vessels = []Vessel{{Name: "Nansen", Kind: VesselWarship}}
			d.Aircraft = []Aircraft{{Type: "F-35A", Count: 8, Armed: true}}
			d.Personnel.Military = 20000
		}, []string{"20000 personnel exceed the ceiling of 10000",
			"1 warship(s): a framework agreement cannot cover warships, the Government decides each visit",
			"8 armed aircraft: a framework agreement cannot cover armed combat aircraft, the Government decides each case"}},
	}
	for _, tt := range tests {
		d := base
		tt.edit(&d)
		fits, why := Fit(f, "NO", d)
		if fits != (len(tt.want) == 0) || !slices.Equal(why, tt.want) {
			t.Errorf("%s: Fit = %v, %q; want %q", tt.name, fits, why, tt.want)
		}
	}
}

// TestValidateFrameworkDates: an agreement's validity lies in the service's
// calendar (2000-01-01 to 2099-12-31), each end named when it does not; a
// zero date is one not given.
func TestValidateFrameworkDates(t *testing.T) {
	base := FrameworkTerms{Nation: "NO", Name: "North", Reference: "FA-NO-1", ValidFrom: date("2027-01-01"),
		ValidUntil: date("2027-12-31"), TrainingAreas: []string{"ravlunda"}, PersonnelCeiling: 800}
	tests := []struct {
		name        string
		from, until time.Time
		field, msg  string // "" for valid
		more        []FieldError
	}{
		{"a year", date("2027-01-01"), date("2027-12-31"), "", "", nil},
		{"the whole calendar", date("2000-01-01"), date("2099-12-31"), "", "", nil},
		{"from not given", time.Time{}, date("2027-12-31"), "valid_from", "is required", nil},
		{"until not given", date("2027-01-01"), time.Time{}, "valid_until", "is required", nil},
		{"from before 2000", date("1999-12-31"), date("2027-12-31"), "valid_from", OutsideCalendar, nil},
		{"until after 2099", date("2027-01-01"), date("2100-01-01"), "valid_until", OutsideCalendar, nil},
		{"until far ahead", date("2027-01-01"), date("9999-12-31"), "valid_until", OutsideCalendar, nil},
		{"until before from", date("2027-01-01"), date("2026-12-31"), "valid_until", "must not be before valid_from", nil},
		// Each day on its own: a missing or bad first day hides nothing
		// about the last, and the two are compared only when both are good.
		{"neither given", time.Time{}, time.Time{}, "valid_from", "is required", []FieldError{{"valid_until", "is required"}}},
		{"from not given, until outside", time.Time{}, date("2100-01-01"), "valid_from", "is required",
			[]FieldError{{"valid_until", OutsideCalendar}}},
		{"from outside, until before it", date("2100-01-01"), date("2027-01-01"), "valid_from", OutsideCalendar, nil},
	}
	for _, tt := range tests {
		f := base
		f.ValidFrom, f.ValidUntil = tt.from, tt.until
		err := ValidateFramework(f, testReference())
		var got []FieldError
		if e, ok := err.(*Error); ok {
			got = e.Fields
		} else if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var want []FieldError
		if tt.field != "" {
			want = append([]FieldError{{tt.field, tt.msg}}, tt.more...)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", tt.name, got, want)
		}
	}
	if OutsideCalendar != "must be a date from 2000-01-01 to 2099-12-31" {
		t.Errorf("OutsideCalendar = %q", OutsideCalendar)
	}
}

// TestValidateFrameworkNation: a nation not given is required, not an
// unknown code; a code that is not a nation's is unknown, with where the
// codes are listed.
func TestValidateFrameworkNation(t *testing.T) {
	base := FrameworkTerms{Name: "North", Reference: "FA-NO-1", ValidFrom: date("2027-01-01"),
		ValidUntil: date("2027-12-31"), TrainingAreas: []string{"ravlunda"}, PersonnelCeiling: 800}
	tests := []struct {
		nation, msg string // "" for valid
	}{
		{"NO", ""},
		{"", "is required"},
		{"XX", `unknown nation "XX"; ` + ListedAtNations},
	}
	for _, tt := range tests {
		f := base
		f.Nation = tt.nation
		var got []FieldError
		if e, ok := ValidateFramework(f, testReference()).(*Error); ok {
			got = e.Fields
		}
		var want []FieldError
		if tt.msg != "" {
			want = []FieldError{{"nation", tt.msg}}
		}
		if !slices.Equal(got, want) {
			t.Errorf("nation %q: %v, want %v", tt.nation, got, want)
		}
	}
}

// A change keeps a stored date outside the calendar (from before the range
// was checked), but a date it changes must lie in it.
func TestValidateFrameworkChangeKeepsStoredDates(t *testing.T) {
	stored := FrameworkTerms{Nation: "NO", Name: "North", Reference: "FA-NO-1", ValidFrom: date("1990-01-01"),
		ValidUntil: date("9999-12-31"), TrainingAreas: []string{"ravlunda"}, PersonnelCeiling: 800}
	suspended := stored
	suspended.Suspended = true
	if err := ValidateFrameworkChange(suspended, stored, testReference()); err != nil {
		t.Errorf("suspending with the stored dates: %v", err)
	}
	if err := ValidateFramework(suspended, testReference()); err == nil {
		t.Error("a new agreement with dates outside the calendar was accepted")
	}
	moved := stored
	moved.ValidUntil = date("9999-12-30")
	err := ValidateFrameworkChange(moved, stored, testReference())
	if e, ok := err.(*Error); !ok || len(e.Fields) != 1 || e.Fields[0] != (FieldError{"valid_until", OutsideCalendar}) {
		t.Errorf("a changed date outside the calendar: %v", err)
	}
}

// TestFrameworkWarningNamesAreasAndEntryPoints: the warning that a request
// does not fit its agreement names areas and entry points as the reference
// data does; the policy's reasons (Fit) keep the codes, and a code the
// reference data does not know stays as it is.
func TestFrameworkWarningNamesAreasAndEntryPoints(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	f := &Framework{FrameworkTerms: FrameworkTerms{Nation: "NO", Reference: "FA-NO-1",
		ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen"},
		EntryPoints: []string{"storlien"}, PersonnelCeiling: 10000}}
	d := Details{Period: Period{Start: day("2027-03-22"), End: day("2027-03-31")}, Personnel: Personnel{Military: 600},
		Movements:     []Movement{{Direction: DirectionEntry, EntryPoint: "svinesund", Mode: "road"}, {Direction: DirectionExit, EntryPoint: "nowhere"}},
		TrainingAreas: []AreaBooking{{Area: "ravlunda", From: day("2027-03-23"), To: day("2027-03-24")}}}
	ref := NewReferenceData(nil, []TrainingArea{{Code: "ravlunda", Name: "Ravlunda skjutfält"}},
		[]EntryPoint{{Code: "svinesund", Name: "Svinesund (E6)"}})
	for _, c := range []struct {
		name string
		ref  Reference
		want string
	}{
		{"named", ref, "the request does not fit framework agreement FA-NO-1, so it takes the normal route: " +
			"training area Ravlunda skjutfält not covered; entry point Svinesund (E6) not covered; entry point nowhere not covered"},
		{"no reference data", nil, "the request does not fit framework agreement FA-NO-1, so it takes the normal route: " +
			"training area ravlunda not covered; entry point svinesund not covered; entry point nowhere not covered"},
	} {
		ws := frameworkWarnings(f, RoutingResult{}, "NO", d, c.ref)
		if len(ws) != 1 || ws[0].Code != "framework_not_applicable" || ws[0].Message != c.want {
			t.Errorf("%s: %+v\nwant %q", c.name, ws, c.want)
		}
	}
	if _, why := Fit(f, "NO", d); !slices.Contains(why, "training area ravlunda not covered") {
		t.Errorf("the policy's reasons: %q", why)
	}
}

// TestFrameworkEnded: an agreement ends after its last valid day in
// Stockholm, not at midnight UTC.
func TestFrameworkEnded(t *testing.T) {
	f := &Framework{FrameworkTerms: FrameworkTerms{ValidUntil: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)}}
	for _, c := range []struct {
		at    string
		ended bool
	}{
		{"2026-06-30T21:59:00Z", false}, // 23:59 on its last day in Stockholm
		{"2026-06-30T22:00:00Z", true},  // midnight in Stockholm: 1 July
		{"2026-01-01T12:00:00Z", false},
	} {
		at, _ := time.Parse(time.RFC3339, c.at)
		if got := f.Ended(at); got != c.ended {
			t.Errorf("at %s: ended %v, want %v", c.at, got, c.ended)
		}
	}
}
