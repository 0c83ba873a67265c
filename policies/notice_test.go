package policies

import (
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

func TestNoticeEarliestStart(t *testing.T) {
	tests := []struct {
		name   string
		n      notice
		now    time.Time
		want   string
		string string
	}{
		// Monday 2 March 2026 10:00 Stockholm (CET) + 72 h = Thursday 10:00.
		{"72 hours from Monday morning", notice{hours: 72}, today, "2026-03-06", "72 hours"},
		// Friday 09:00 UTC + 72 h = Monday 10:00: the weekend counts.
		{"72 hours over a weekend", notice{hours: 72}, time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC), "2026-03-10", "72 hours"},
		// 72 h ending exactly at midnight Stockholm accept that very day.
		{"exactly midnight", notice{hours: 72}, time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC), "2026-03-05", "72 hours"},
		// Across the switch to summer time (29 March 2026): 168 h from
		// Monday 23 March 10:00 CET is Monday 30 March 11:00 CEST.
		{"7 days across summer time", notice{hours: 168, inDays: true}, time.Date(2026, 3, 23, 9, 0, 0, 0, time.UTC), "2026-03-31", "7 days"},
		{"10 working days over Easter", notice{workingDays: 10}, time.Date(2026, 3, 30, 9, 0, 0, 0, time.UTC), "2026-04-16", "10 working days"},
		{"a few hours", notice{hours: 5}, today, "2026-03-03", "5 hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := domain.DateString(tt.n.earliestStart(tt.now)); got != tt.want {
				t.Errorf("earliest start %s, want %s", got, tt.want)
			}
			if got := tt.n.String(); got != tt.string {
				t.Errorf("String() = %q, want %q", got, tt.string)
			}
		})
	}
}

// The earliest start a notice rule names is accepted, and the day before it
// is not: the refusal never names a date that would be refused again.
func TestNoticeRefusalNamesAcceptedDate(t *testing.T) {
	p := defaultPolicy(t)
	for _, now := range []time.Time{today, time.Date(2026, 4, 2, 21, 30, 0, 0, time.UTC), time.Date(2026, 12, 23, 15, 0, 0, 0, time.UTC)} {
		in := plainInput()
		in.Today = now
		in.Details.Vessels = []domain.Vessel{{Name: "Supply", Kind: domain.VesselAuxiliary}}
		in.Details.Period = domain.Period{Start: domain.StockholmDate(now), End: domain.StockholmDate(now).AddDate(0, 0, 30)}
		res, err := p.Route(in)
		if err != nil || res.Eligible {
			t.Fatalf("%v: Route = %+v, %v; want a refusal", now, res.Eligibility, err)
		}
		refusal := res.Refusals()[len(res.Refusals())-1]
		_, date, ok := strings.Cut(refusal, "the earliest start that would be accepted is ")
		if !ok {
			t.Fatalf("refusal %q names no date", refusal)
		}
		in.Details.Period.Start = day(date)
		if res, _ := p.Route(in); !res.Eligible {
			t.Errorf("%v: the named start %s is refused: %q", now, date, res.Refusals())
		}
		in.Details.Period.Start = day(date).AddDate(0, 0, -1)
		if res, _ := p.Route(in); res.Eligible {
			t.Errorf("%v: the day before the named start %s is accepted", now, date)
		}
	}
}

func TestNoticeRulesLoad(t *testing.T) {
	bad := []struct{ rule, want string }{
		{"notice: {hours: 72}\n    when: \"true\"", "a notice rule has no when"},
		{"notice: {hours: 72, days: 3}", "exactly one of hours, days or working_days"},
		{"notice: {weeks: 1}", `unknown key "weeks"`},
		{"notice: {hours: 0}", "must be at least 1"},
		{"notice: {days: 400}", "at most a year"},
		{"notice: {hours: 72}\n    applies_when: \"request.live_fir\"", "undefined field 'live_fir'"},
		{"when: \"true\"\n    applies_when: \"true\"", "applies_when belongs to a notice rule"},
	}
	for _, b := range bad {
		text := strings.Replace(basePolicy, `    when: "nation.eu_member || nation.nato_member"`, "    "+b.rule, 1)
		if _, err := loadText(t, text); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want %q", b.rule, err, b.want)
		}
	}
	good := strings.Replace(basePolicy, `    when: "nation.eu_member || nation.nato_member"`,
		"    applies_when: \"request.vessels.total > 0\"\n    notice: {days: 7}", 1)
	p := mustLoadText(t, good)
	in := plainInput()
	in.Details.Period.Start = day("2026-03-03")
	if res, err := p.Route(in); err != nil || !res.Eligible {
		t.Errorf("a notice rule that does not apply must pass: %+v, %v", res.Eligibility, err)
	}
}

const fastTrackPolicy = basePolicy + `  - id: gov
    role: ministry
    order: 3
    when: "request.vessels.warships > 0"
    approvals_required: 2
    sla_working_days: 5
    reason: "warships"
fast_track:
  when: "framework.fits"
  reason: "fits"
  stages:
`

func TestFastTrackKeepsTheGovernment(t *testing.T) {
	bad := map[string]string{
		"    - intake\n": `fast_track must keep stage "gov"`,
		"    - intake\n    - {id: gov, when: \"false\"}\n": `keep stage "gov" without a condition of its own`,
	}
	for stages, want := range bad {
		if _, err := loadText(t, fastTrackPolicy+stages); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want %q", stages, err, want)
		}
	}
	p := mustLoadText(t, fastTrackPolicy+"    - intake\n    - {id: range_safety, when: \"request.dangerous_goods\"}\n    - gov\n")
	in := plainInput()
	in.Details.FrameworkID, in.Framework = "fw-de", germanFramework()
	in.Framework.LiveFire = true
	in.Details.Weapons.LiveFire = true
	res, err := p.Route(in)
	if err != nil || !res.FastTrack || len(res.Stages) != 1 || res.Stages[0].ID != "intake" {
		t.Errorf("live fire without dangerous goods keeps intake only on this fast track: %+v, %v", res.Stages, err)
	}
}
