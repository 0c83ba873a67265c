package domain

import (
	"testing"
	"time"
)

func TestPermitStateOf(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	period := Period{Start: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 10, 0, 0, 0, 0, time.UTC)}
	past := Period{Start: period.Start, End: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	cases := []struct {
		status Status
		period Period
		want   PermitState
		ok     bool
	}{
		{StatusApproved, period, PermitValid, true},
		{StatusApproved, past, PermitExpired, true},
		{StatusExpired, past, PermitExpired, true},
		{StatusRevoked, period, PermitRevoked, true},
		{StatusInReview, period, "", false},
		{StatusRejected, period, "", false},
		{StatusDraft, period, "", false},
	}
	for _, c := range cases {
		r := &Request{Status: c.status, Details: Details{Period: c.period}}
		if got, ok := PermitStateOf(r, now); got != c.want || ok != c.ok {
			t.Errorf("%s: %q %v, want %q %v", c.status, got, ok, c.want, c.ok)
		}
	}
}

func TestPermitOf(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.FixedZone("CET", 3600))
	r := &Request{Reference: "SE-2026-EXA-000001", Nation: "NO", Status: StatusApproved, Conditions: []string{"no night firing"},
		Details: Details{Unit: Unit{Designation: "2 Bn"},
			Period:        Period{Start: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC)},
			Movements:     []Movement{{EntryPoint: "SE-TRB"}, {EntryPoint: "SE-MMX"}, {EntryPoint: "SE-TRB"}},
			TrainingAreas: []AreaBooking{{Area: "ravlunda"}}}}
	p, err := PermitOf(r, now)
	if err != nil {
		t.Fatal(err)
	}
	if p.Reference != r.Reference || p.Unit != "2 Bn" || p.Start != "2026-12-01" || p.End != "2026-12-05" ||
		len(p.EntryPoints) != 2 || p.EntryPoints[0] != "SE-MMX" || p.IssuedAt.Location() != time.UTC || len(p.TrainingAreas) != 1 {
		t.Errorf("statement %+v", p)
	}
	r.Status = StatusInReview
	if _, err := PermitOf(r, now); err == nil || err.(*Error).Code != CodeNotFound {
		t.Errorf("a request in review has a permit: %v", err)
	}
}
