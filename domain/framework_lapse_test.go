package domain

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestFrameworkLapse: the re-check of a fast track is Fit on the agreement
// as it is now, for a request whose route took the fast track and names
// an agreement; any limit the agreement no longer meets counts (not only
// suspension, validity and nation), and a request on the normal route is
// not checked.
func TestFrameworkLapse(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	terms := FrameworkTerms{Nation: "NO", Reference: "FA-NO-1", ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"),
		TrainingAreas: []string{"kilen"}, EntryPoints: []string{"storlien"}, PersonnelCeiling: 800}
	req := func(fastTrack bool) *Request {
		return &Request{Nation: "NO", Status: StatusInReview, Route: &Route{FastTrack: fastTrack},
			Details: Details{FrameworkID: "fw", Period: Period{Start: day("2027-03-02"), End: day("2027-03-20")},
				Personnel:     Personnel{Military: 450},
				Movements:     []Movement{{Direction: DirectionEntry, EntryPoint: "storlien", Mode: "road"}},
				TrainingAreas: []AreaBooking{{Area: "kilen", From: day("2027-03-05"), To: day("2027-03-12")}}}}
	}
	tests := []struct {
		name      string
		edit      func(t *FrameworkTerms)
		fastTrack bool
		want      string // a reason, "" for none
	}{
		{"still covered", func(*FrameworkTerms) {}, true, ""},
		{"suspended", func(t *FrameworkTerms) { t.Suspended = true }, true, "the framework agreement is suspended"},
		{"ended before the period", func(t *FrameworkTerms) { t.ValidUntil = day("2027-02-28") }, true, "is not inside the framework's validity"},
		{"moved to another nation", func(t *FrameworkTerms) { t.Nation = "DE" }, true, "the framework agreement is of another nation"},
		{"ceiling lowered", func(t *FrameworkTerms) { t.PersonnelCeiling = 400 }, true, "450 personnel exceed the ceiling of 400"},
		{"normal route", func(t *FrameworkTerms) { t.Suspended = true }, false, ""},
	}
	for _, tc := range tests {
		f := &Framework{ID: "fw", FrameworkTerms: terms}
		f.TrainingAreas = slices.Clone(terms.TrainingAreas)
		tc.edit(&f.FrameworkTerms)
		_, why, err := frameworkLapse(func(string) (*Framework, error) { return f, nil }, nil, req(tc.fastTrack))
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(why, "; ")
		if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
			t.Errorf("%s: reasons %q, want %q", tc.name, got, tc.want)
		}
	}
	// An agreement that cannot be found is no cover.
	_, why, err := frameworkLapse(func(string) (*Framework, error) { return nil, ErrNotFound("framework agreement") }, nil, req(true))
	if err != nil || len(why) != 1 {
		t.Errorf("a missing agreement: %q %v", why, err)
	}
}
