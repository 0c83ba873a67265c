package domain

import (
	"slices"
	"testing"
	"time"
)

// TestValidateMovementsInPeriod: every crossing falls on a day of the
// period, counted as the Stockholm calendar day of its instant, both ends
// included; it is compared only with a period that is itself valid.
func TestValidateMovementsInPeriod(t *testing.T) {
	at := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	var none time.Time
	const outside = "movements[0].at: must fall on a day of the period 2027-03-02 to 2027-03-20 (Stockholm time)"
	for _, c := range []struct {
		name       string
		start, end time.Time
		at         time.Time
		want       []string
	}{
		{"inside", date("2027-03-02"), date("2027-03-20"), at("2027-03-10T12:00:00Z"), nil},
		{"first day, first minute in Stockholm", date("2027-03-02"), date("2027-03-20"), at("2027-03-01T23:00:00Z"), nil},
		{"the evening before in Stockholm", date("2027-03-02"), date("2027-03-20"), at("2027-03-01T22:59:00Z"), []string{outside}},
		{"the day before", date("2027-03-02"), date("2027-03-20"), at("2027-03-01T09:00:00Z"), []string{outside}},
		{"last day, last minute in Stockholm", date("2027-03-02"), date("2027-03-20"), at("2027-03-20T22:59:00Z"), nil},
		{"after midnight of the last day in Stockholm", date("2027-03-02"), date("2027-03-20"), at("2027-03-20T23:00:00Z"), []string{outside}},
		{"years before", date("2027-03-02"), date("2027-03-20"), at("2019-01-01T10:00:00Z"), []string{outside}},
		{"years after", date("2027-03-02"), date("2027-03-20"), at("2035-06-01T10:00:00Z"), []string{outside}},
		{"summer time: first day in Stockholm", date("2027-07-01"), date("2027-07-10"), at("2027-06-30T22:00:00Z"), nil},
		{"missing", date("2027-03-02"), date("2027-03-20"), none, []string{"movements[0].at: is required"}},
		{"period start missing", none, date("2027-03-20"), at("2019-01-01T10:00:00Z"), nil},
		{"period end missing", date("2027-03-02"), none, at("2019-01-01T10:00:00Z"), nil},
		{"period end before start", date("2027-03-20"), date("2027-03-02"), at("2019-01-01T10:00:00Z"), nil},
	} {
		d := validDetails()
		d.Period = Period{Start: c.start, End: c.end}
		d.TrainingAreas = nil
		d.Movements[0].At = c.at
		got := errsOf(t, ValidateDetails(d, testReference()), func(f string) bool { return f == "movements[0].at" })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
	// Each movement is named on its own.
	d := validDetails()
	d.Movements = append(d.Movements, Movement{Direction: DirectionExit, EntryPoint: "storlien", At: at("2027-03-21T10:00:00Z"), Mode: "road"})
	if got := errsOf(t, ValidateDetails(d, testReference()), func(string) bool { return true }); len(got) != 1 ||
		got[0] != "movements[1].at: must fall on a day of the period 2027-03-02 to 2027-03-20 (Stockholm time)" {
		t.Errorf("an exit the day after the period: %q", got)
	}
}

// TestMovementWarnings: a crossing by another mode than its entry point's
// is a warning, not an error — several crossings serve more than one mode.
func TestMovementWarnings(t *testing.T) {
	ref := NewReferenceData(nil, nil, []EntryPoint{{Code: "storlien", Name: "Storlien (E14)", Mode: "road"}})
	for _, c := range []struct {
		name  string
		ms    []Movement
		codes []string
	}{
		{"same mode", []Movement{{EntryPoint: "storlien", Mode: "road"}}, nil},
		{"other mode", []Movement{{EntryPoint: "storlien", Mode: "road"}, {EntryPoint: "storlien", Mode: "sea"}}, []string{CodeMovementMode}},
		{"unknown entry point", []Movement{{EntryPoint: "nowhere", Mode: "sea"}}, nil},
		{"no mode", []Movement{{EntryPoint: "storlien"}}, nil},
	} {
		ws := MovementWarnings(c.ms, ref)
		var codes []string
		for _, w := range ws {
			codes = append(codes, w.Code)
		}
		if !slices.Equal(codes, c.codes) {
			t.Errorf("%s: %v, want %v", c.name, ws, c.codes)
		}
	}
	w := MovementWarnings([]Movement{{EntryPoint: "storlien", Mode: "road"}, {EntryPoint: "storlien", Mode: "sea"}}, ref)
	if len(w) != 1 || w[0].Message != "crossing 2 is planned by sea at Storlien (E14), which is listed as a road crossing: check that it takes sea traffic" {
		t.Errorf("warning: %+v", w)
	}
	if err := ValidateDetails(func() Details { d := validDetails(); d.Movements[0].Mode = "sea"; return d }(), testReference()); err != nil {
		t.Errorf("another mode is refused: %v", err)
	}
}
