package policies

import (
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

func TestNationFactsOnPeriodStart(t *testing.T) {
	tests := []struct {
		name          string
		n             domain.Nation
		start         string
		partners      []string
		eu, nato, ptn bool
	}{
		{"Finland the day before NATO", finland, "2023-04-03", nil, true, false, false},
		{"Finland the day it joined NATO", finland, "2023-04-04", nil, true, true, false},
		{"United Kingdom the last EU day", ukingdom, "2020-01-30", nil, true, true, false},
		{"United Kingdom the day it left", ukingdom, "2020-01-31", nil, false, true, false},
		{"Switzerland as a partner", switzerland, "2026-03-16", []string{"CH"}, false, false, true},
		{"Switzerland without partners", switzerland, "2026-03-16", nil, false, false, false},
		{"unknown nation", domain.Nation{}, "2026-03-16", []string{"CH", ""}, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := nationFacts(tt.n, day(tt.start), tt.partners)
			if f.EUMember != tt.eu || f.NATOMember != tt.nato || f.Partner != tt.ptn {
				t.Errorf("got eu=%v nato=%v partner=%v, want %v %v %v", f.EUMember, f.NATOMember, f.Partner, tt.eu, tt.nato, tt.ptn)
			}
		})
	}
}

func TestRequestFactsCounts(t *testing.T) {
	in := plainInput()
	d := &in.Details
	d.Personnel = domain.Personnel{Military: 10, Civilian: 2, Contractors: 3}
	d.Vehicles = []domain.Vehicle{
		{Category: domain.VehicleCombat, Kind: domain.VehicleTracked, Count: 4},
		{Category: domain.VehicleNonCombat, Kind: domain.VehicleWheeled, Count: 6},
	}
	d.Aircraft = []domain.Aircraft{{Count: 2, Armed: true, Cameras: true}, {Count: 3, EWEquipment: true}}
	d.Vessels = []domain.Vessel{{Kind: domain.VesselWarship, Crew: 100}, {Kind: domain.VesselOther, Crew: 5}}
	d.DangerousGoods = []domain.DangerousGood{{Class: "1.1D", NetExplosiveKg: 1.5}, {Class: "1.1D", NetExplosiveKg: 2}}
	d.TrainingAreas = []domain.AreaBooking{{Area: "ravlunda"}, {Area: "revinge"}, {Area: "ravlunda"}}
	d.Movements = append(d.Movements, domain.Movement{Direction: domain.DirectionExit, EntryPoint: "oresund-bridge", Mode: "rail"})
	f := newFacts(in, nil)
	r := f.Request
	checks := []struct {
		name      string
		got, want any
	}{
		{"personnel", r.Personnel, PersonnelFacts{10, 2, 3, 15}},
		{"vehicles", r.Vehicles, VehicleFacts{Total: 10, Combat: 4, NonCombat: 6, Wheeled: 6, Tracked: 4}},
		{"aircraft", r.Aircraft, AircraftFacts{Total: 5, Armed: 2, EWEquipment: 3, Cameras: 2}},
		{"vessels", r.Vessels, VesselFacts{Total: 2, Warships: 1, Other: 1, Crew: 105}},
		{"dangerous goods", [3]any{r.DangerousGoods, r.DangerousGoodsCount, r.NetExplosiveKg}, [3]any{true, int64(2), 3.5}},
		{"period days", r.PeriodDays, int64(5)},
		{"lead working days", f.leadWorkingDays(), int64(9)},
		{"today", f.Today, day("2026-03-02")},
		{"nation", r.Nation, "DE"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, c.got, c.want)
		}
	}
	lists := map[string][2][]string{
		"training areas":  {r.TrainingAreas, {"ravlunda", "revinge"}},
		"entry points":    {r.EntryPoints, {"oresund-bridge"}},
		"movement modes":  {r.MovementModes, {"road", "rail"}},
		"goods classes":   {r.DangerousGoodsClass, {"1.1D"}},
		"weapon systems":  {r.WeaponSystems, {}},
		"framework notes": {f.Framework.Reasons, {}},
	}
	for name, l := range lists {
		if !slices.Equal(l[0], l[1]) || l[0] == nil {
			t.Errorf("%s: got %#v, want %#v", name, l[0], l[1])
		}
	}
}

// The clock is injected: the same input routes the same way whenever it runs.
func TestLeadTimeUsesInjectedClock(t *testing.T) {
	in := plainInput()
	in.Today = time.Date(2030, 1, 7, 9, 0, 0, 0, time.UTC)
	in.Details.Period = domain.Period{Start: day("2030-01-10"), End: day("2030-01-11")} // Mon → Thu: 2 days
	if got := newFacts(in, nil).leadWorkingDays(); got != 2 {
		t.Fatalf("lead_working_days = %d, want 2", got)
	}
}

// germanFramework covers plainInput's request exactly.
func germanFramework() *domain.Framework {
	return &domain.Framework{ID: "fw-de", FrameworkTerms: domain.FrameworkTerms{Nation: "DE", Reference: "FW-DE-1",
		ValidFrom: day("2026-01-01"), ValidUntil: day("2026-12-31"), EntryPoints: []string{"oresund-bridge"},
		TrainingAreas: []string{"revinge"}, PersonnelCeiling: 200}}
}

func TestFrameworkFacts(t *testing.T) {
	tests := []struct {
		name    string
		change  func(in *domain.RoutingInput)
		fits    bool
		reasons []string
	}{
		{"no framework named", func(in *domain.RoutingInput) { in.Framework = nil; in.Details.FrameworkID = "" }, false, nil},
		{"named but not found", func(in *domain.RoutingInput) { in.Framework = nil }, false, []string{"the framework agreement was not found"}},
		{"fits", func(in *domain.RoutingInput) {}, true, nil},
		{"suspended", func(in *domain.RoutingInput) { in.Framework.Suspended = true }, false, []string{"the framework agreement is suspended"}},
		{"another nation's", func(in *domain.RoutingInput) { in.Framework.Nation = "NO" }, false, []string{"the framework agreement is of another nation"}},
		{"outside validity", func(in *domain.RoutingInput) { in.Framework.ValidUntil = day("2026-03-18") }, false,
			[]string{"the period 2026-03-16 to 2026-03-20 is not inside the framework's validity 2026-01-01 to 2026-03-18"}},
		{"too many and live fire", func(in *domain.RoutingInput) {
			in.Details.Personnel.Military = 300
			in.Details.Weapons.LiveFire = true
			in.Details.DangerousGoods = []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S"}}
		}, false, []string{"302 personnel exceed the ceiling of 200", "live fire not covered", "dangerous goods not covered"}},
		{"a warship, never inside any agreement", func(in *domain.RoutingInput) {
			in.Details.Vessels = []domain.Vessel{{Name: "KNM Fridtjof Nansen", Kind: domain.VesselWarship, Crew: 120},
				{Name: "Supply", Kind: domain.VesselAuxiliary, Crew: 30}}
		}, false, []string{"1 warship(s): a framework agreement cannot cover warships, the Government decides each visit"}},
		{"armed aircraft, never inside any agreement", func(in *domain.RoutingInput) {
			in.Details.Aircraft = []domain.Aircraft{{Type: "F-35A", Count: 8, Armed: true}, {Type: "C-130", Count: 1}}
		}, false, []string{"8 armed aircraft: a framework agreement cannot cover armed combat aircraft, the Government decides each case"}},
		{"unarmed aircraft and an auxiliary fit", func(in *domain.RoutingInput) {
			in.Details.Aircraft = []domain.Aircraft{{Type: "C-130", Count: 2, Cameras: true}}
			in.Details.Vessels = []domain.Vessel{{Name: "Supply", Kind: domain.VesselAuxiliary, Crew: 30}}
		}, true, nil},
		{"area and entry point", func(in *domain.RoutingInput) {
			in.Details.TrainingAreas = []domain.AreaBooking{{Area: "ravlunda", From: day("2026-03-16"), To: day("2026-03-17")}}
			in.Details.Movements[0].EntryPoint = "svinesund"
		}, false, []string{"training area ravlunda not covered", "entry point svinesund not covered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := plainInput()
			in.Details.FrameworkID = "fw-de"
			in.Framework = germanFramework()
			tt.change(&in)
			f := frameworkFacts(in)
			if f.Fits != tt.fits || strings.Join(f.Reasons, "|") != strings.Join(tt.reasons, "|") || f.Reasons == nil {
				t.Errorf("facts = %+v; want fits=%v reasons=%q", f, tt.fits, tt.reasons)
			}
		})
	}
}

// A period far in the future costs no more than one a year ahead.
func TestLeadWorkingDaysSaturates(t *testing.T) {
	in := plainInput()
	in.Details.Period = domain.Period{Start: day("9999-12-01"), End: day("9999-12-02")}
	got := newFacts(in, nil).leadWorkingDays()
	want := int64(domain.WorkingDaysBetween(today, today.AddDate(0, 0, leadHorizonDays)))
	if got != want || got < 240 {
		t.Fatalf("lead_working_days = %d, want %d", got, want)
	}
}
