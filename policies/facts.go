package policies

import (
	"slices"
	"time"

	"exaccess/domain"
)

// The facts are what a policy's CEL expressions see of a request. They are
// typed Go structs registered with CEL (see env.go), so a misspelt field is a
// type-check error at load instead of a silently false condition at run time.
// CEL names come from the `cel` tags; docs/policies.md lists every one and
// must change in the same commit as these structs.

// RequestFacts are the request as the policy sees it: counts and flags
// derived from domain.Details, never the details themselves.
type RequestFacts struct {
	Nation              string         `cel:"nation"`
	PeriodStart         time.Time      `cel:"period_start"` // UTC midnight
	PeriodEnd           time.Time      `cel:"period_end"`   // UTC midnight, inclusive
	PeriodDays          int64          `cel:"period_days"`
	Personnel           PersonnelFacts `cel:"personnel"`
	LiveFire            bool           `cel:"live_fire"`
	WeaponSystems       []string       `cel:"weapon_systems"`
	DangerousGoods      bool           `cel:"dangerous_goods"`
	DangerousGoodsCount int64          `cel:"dangerous_goods_count"`
	DangerousGoodsClass []string       `cel:"dangerous_goods_classes"`
	NetExplosiveKg      float64        `cel:"net_explosive_kg"`
	Vehicles            VehicleFacts   `cel:"vehicles"`
	Aircraft            AircraftFacts  `cel:"aircraft"`
	Vessels             VesselFacts    `cel:"vessels"`
	TrainingAreas       []string       `cel:"training_areas"`
	EntryPoints         []string       `cel:"entry_points"`
	MovementModes       []string       `cel:"movement_modes"`
	FrameworkID         string         `cel:"framework_id"`
}

// PersonnelFacts count people by category.
type PersonnelFacts struct {
	Military    int64 `cel:"military"`
	Civilian    int64 `cel:"civilian"`
	Contractors int64 `cel:"contractors"`
	Total       int64 `cel:"total"`
}

// VehicleFacts count vehicles; combat/non-combat matters legally,
// wheeled/tracked matters for roads.
type VehicleFacts struct {
	Total     int64 `cel:"total"`
	Combat    int64 `cel:"combat"`
	NonCombat int64 `cel:"non_combat"`
	Wheeled   int64 `cel:"wheeled"`
	Tracked   int64 `cel:"tracked"`
}

// AircraftFacts count aircraft, in total and with each capability.
type AircraftFacts struct {
	Total       int64 `cel:"total"`
	Armed       int64 `cel:"armed"`
	EWEquipment int64 `cel:"ew_equipment"`
	Cameras     int64 `cel:"cameras"`
}

// VesselFacts count vessels by kind, and their crews.
type VesselFacts struct {
	Total     int64 `cel:"total"`
	Warships  int64 `cel:"warships"`
	Auxiliary int64 `cel:"auxiliary"`
	Other     int64 `cel:"other"`
	Crew      int64 `cel:"crew"`
}

// NationFacts are the sending nation's standing on the period's first day:
// membership is an interval, so a nation that left the EU (GB) or joined
// NATO late (FI, SE) is judged on the request's own dates.
type NationFacts struct {
	Code       string `cel:"code"`
	Name       string `cel:"name"`
	EUMember   bool   `cel:"eu_member"`
	NATOMember bool   `cel:"nato_member"`
	Partner    bool   `cel:"partner"` // listed in the policy's partners (CH by default)
}

// FrameworkFacts describe the framework agreement the request refers to.
type FrameworkFacts struct {
	ID      string   `cel:"id"`
	Present bool     `cel:"present"`
	Fits    bool     `cel:"fits"`
	Reasons []string `cel:"reasons"` // why a named framework does not fit
}

// Facts are all the variables of one evaluation. Each top-level field is a
// CEL variable of its own (request, nation, framework, lead_working_days,
// today), declared in env.go.
type Facts struct {
	Request         RequestFacts
	Nation          NationFacts
	Framework       FrameworkFacts
	LeadWorkingDays int64 // computed on first use (see activation)
	Today           time.Time
	Now             time.Time // the instant of evaluation, for notice rules

	leadStart time.Time // the period start lead_working_days counts to
	leadDone  bool
}

// newFacts derives the facts of in. partners are the nation codes the policy
// treats like EU/NATO members. It reads the clock from in.Today only, so a
// route is reproducible from its input.
func newFacts(in domain.RoutingInput, partners []string) *Facts {
	d := in.Details
	start := d.Period.Start
	return &Facts{
		Request:   requestFacts(in.Nation.Code, d),
		Nation:    nationFacts(in.Nation, start, partners),
		Framework: frameworkFacts(in),
		Today:     domain.StockholmDate(in.Today),
		Now:       in.Today,
		leadStart: start,
	}
}

// leadHorizonDays bounds the lead-time count. domain.WorkingDaysBetween
// walks day by day and validation does not bound how far ahead a period may
// start, so without a bound a request for the year 9999 would cost a quarter
// of a second per evaluation (and the dry run is open to every liaison
// officer). Lead-time rules compare against days or weeks; a year is far
// beyond any of them, so the count saturates there (about 250).
const leadHorizonDays = 366

// leadWorkingDays is lead_working_days, computed on first use: most
// policies never ask, and the count walks up to a year of days.
func (f *Facts) leadWorkingDays() int64 {
	if !f.leadDone {
		f.LeadWorkingDays, f.leadDone = countLeadWorkingDays(f.Now, f.leadStart), true
	}
	return f.LeadWorkingDays
}

func countLeadWorkingDays(today, start time.Time) int64 {
	if limit := today.AddDate(0, 0, leadHorizonDays); start.After(limit) {
		start = limit
	}
	return int64(domain.WorkingDaysBetween(today, start))
}

func requestFacts(nation string, d domain.Details) RequestFacts {
	p := d.Personnel
	r := RequestFacts{
		Nation:      nation,
		PeriodStart: d.Period.Start,
		PeriodEnd:   d.Period.End,
		PeriodDays:  int64(d.Period.Days()),
		Personnel: PersonnelFacts{Military: int64(p.Military), Civilian: int64(p.Civilian),
			Contractors: int64(p.Contractors), Total: int64(p.Total())},
		LiveFire:      d.Weapons.LiveFire,
		WeaponSystems: nonNil(d.Weapons.Systems),
		Vehicles:      vehicleFacts(d.Vehicles),
		Aircraft:      aircraftFacts(d.Aircraft),
		Vessels:       vesselFacts(d.Vessels),
		FrameworkID:   d.FrameworkID,
	}
	r.DangerousGoodsCount = int64(len(d.DangerousGoods))
	r.DangerousGoods = r.DangerousGoodsCount > 0
	r.DangerousGoodsClass = []string{}
	for _, g := range d.DangerousGoods {
		r.NetExplosiveKg += g.NetExplosiveKg
		r.DangerousGoodsClass = appendUnique(r.DangerousGoodsClass, g.Class)
	}
	r.TrainingAreas = []string{}
	for _, a := range d.TrainingAreas {
		r.TrainingAreas = appendUnique(r.TrainingAreas, a.Area)
	}
	r.EntryPoints, r.MovementModes = []string{}, []string{}
	for _, m := range d.Movements {
		r.EntryPoints = appendUnique(r.EntryPoints, m.EntryPoint)
		r.MovementModes = appendUnique(r.MovementModes, m.Mode)
	}
	return r
}

func vehicleFacts(vs []domain.Vehicle) VehicleFacts {
	var f VehicleFacts
	for _, v := range vs {
		n := int64(v.Count)
		f.Total += n
		switch v.Category {
		case domain.VehicleCombat:
			f.Combat += n
		case domain.VehicleNonCombat:
			f.NonCombat += n
		}
		switch v.Kind {
		case domain.VehicleWheeled:
			f.Wheeled += n
		case domain.VehicleTracked:
			f.Tracked += n
		}
	}
	return f
}

func aircraftFacts(as []domain.Aircraft) AircraftFacts {
	var f AircraftFacts
	for _, a := range as {
		n := int64(a.Count)
		f.Total += n
		f.Armed += countIf(a.Armed, n)
		f.EWEquipment += countIf(a.EWEquipment, n)
		f.Cameras += countIf(a.Cameras, n)
	}
	return f
}

func vesselFacts(vs []domain.Vessel) VesselFacts {
	f := VesselFacts{Total: int64(len(vs))}
	for _, v := range vs {
		f.Crew += int64(v.Crew)
		switch v.Kind {
		case domain.VesselWarship:
			f.Warships++
		case domain.VesselAuxiliary:
			f.Auxiliary++
		default:
			// Unknown kinds count as "other" rather than vanishing: validation
			// rejects them before routing, and a count must never shrink.
			f.Other++
		}
	}
	return f
}

func nationFacts(n domain.Nation, day time.Time, partners []string) NationFacts {
	return NationFacts{
		Code:       n.Code,
		Name:       n.Name,
		EUMember:   n.EUMemberOn(day),
		NATOMember: n.NATOMemberOn(day),
		Partner:    n.Code != "" && slices.Contains(partners, n.Code),
	}
}

// frameworkFacts says whether the request fits the framework agreement it
// names (domain.Fit: the nation's, not suspended, valid for the whole period,
// and inside its areas, entry points, personnel ceiling and live-fire and
// dangerous-goods flags), listing each misfit in Reasons. A request that
// names no agreement, or one the caller could not find, does not fit.
func frameworkFacts(in domain.RoutingInput) FrameworkFacts {
	d := in.Details
	f := FrameworkFacts{ID: d.FrameworkID, Present: d.FrameworkID != "", Reasons: []string{}}
	switch {
	case !f.Present:
	case in.Framework == nil:
		f.Reasons = append(f.Reasons, "the framework agreement was not found")
	default:
		f.Fits, f.Reasons = domain.Fit(in.Framework, in.Nation.Code, d)
		if f.Reasons == nil {
			f.Reasons = []string{}
		}
	}
	return f
}

func countIf(ok bool, n int64) int64 {
	if ok {
		return n
	}
	return 0
}

func appendUnique(list []string, s string) []string {
	if s == "" || slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}

// nonNil keeps CEL lists non-null: size(request.weapon_systems) must be 0,
// not an error, for a request without any.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
