package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Framework is a framework agreement: a standing permission for one nation
// (the "permissive framework"). A request that fits inside a valid one takes
// the fast track the routing policy defines for it.
type Framework struct {
	ID        string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
	FrameworkTerms
}

// FrameworkTerms are the fields an administrator sets.
type FrameworkTerms struct {
	Nation           string
	Name             string
	Reference        string
	ValidFrom        time.Time // first valid day
	ValidUntil       time.Time // last valid day
	TrainingAreas    []string
	EntryPoints      []string
	PersonnelCeiling int
	LiveFire         bool
	DangerousGoods   bool
	Notes            string
	Suspended        bool
}

// Ended reports whether the agreement's validity is over at t: its last
// valid day is before t's day in Stockholm (as a request's period ends,
// Request.Ended). An ended agreement covers no request still to come.
func (f *Framework) Ended(t time.Time) bool {
	return !f.ValidUntil.IsZero() && f.ValidUntil.Before(StockholmDate(t))
}

// ValidateFramework checks the terms against the reference data, naming
// every bad field.
func ValidateFramework(f FrameworkTerms, ref Reference) error {
	return validateFramework(f, ref, nil)
}

// ValidateFrameworkChange checks the new terms of a stored agreement as
// ValidateFramework does, except that a validity date it keeps unchanged
// may lie outside the calendar: an agreement stored before the calendar's
// range was checked (valid until 9999-12-31, say) can still be suspended
// or amended without its dates being rewritten.
func ValidateFrameworkChange(f, stored FrameworkTerms, ref Reference) error {
	return validateFramework(f, ref, &stored)
}

// UntilBeforeFrom is the error of a framework's valid_until before its
// valid_from: the console leaves it out when it could not read valid_from.
const UntilBeforeFrom = "must not be before valid_from"

func validateFramework(f FrameworkTerms, ref Reference, stored *FrameworkTerms) error {
	v := &validator{}
	inCalendar := func(day, kept time.Time) bool {
		return InCalendar(day) || (stored != nil && day.Equal(kept))
	}
	var keptFrom, keptUntil time.Time
	if stored != nil {
		keptFrom, keptUntil = stored.ValidFrom, stored.ValidUntil
	}
	// An empty nation is one not chosen (the console's select left at its
	// prompt), not an unknown code: it is required.
	// The host nation needs no permit, so no agreement; one stored before
	// that was checked keeps its nation through a change that leaves it.
	if f.Nation == "" {
		v.add("nation", "is required")
	} else if f.Nation == HostNation && (stored == nil || stored.Nation != HostNation) {
		v.add("nation", "%s", HostNationRefusal)
	} else if _, ok := ref.Nation(f.Nation); !ok {
		v.add("nation", "unknown nation %s; "+ListedAtNations, quote(f.Nation))
	}
	v.text("name", f.Name, true, MaxShortText)
	v.text("reference", f.Reference, true, 100)
	v.text("notes", f.Notes, false, MaxPurpose)
	// A zero date is one not given: ParseCalendarDay (api, web) refuses a
	// given 0001-01-01 as outside the calendar before it gets here, and leaves
	// the range to this check, which knows the stored dates.
	// Each day is checked on its own, and the two compared only when both
	// are good: a missing first day hides nothing about the last.
	fromOK, untilOK := false, false
	switch {
	case f.ValidFrom.IsZero():
		v.add("valid_from", "is required")
	case !inCalendar(f.ValidFrom, keptFrom):
		v.add("valid_from", "%s", OutsideCalendar)
	default:
		fromOK = true
	}
	switch {
	case f.ValidUntil.IsZero():
		v.add("valid_until", "is required")
	case !inCalendar(f.ValidUntil, keptUntil):
		v.add("valid_until", "%s", OutsideCalendar)
	default:
		untilOK = true
	}
	if fromOK && untilOK && f.ValidUntil.Before(f.ValidFrom) {
		v.add("valid_until", "%s", UntilBeforeFrom)
	}
	if len(f.TrainingAreas) == 0 {
		v.add("training_areas", "at least one training area is required")
	}
	if v.list("training_areas", len(f.TrainingAreas)) {
		for i, a := range f.TrainingAreas {
			if _, ok := ref.TrainingArea(a); !ok {
				v.add(fieldIndex("training_areas", i), "unknown training area %s; "+ListedAtTrainingAreas, quote(a))
			} else if slices.Contains(f.TrainingAreas[:i], a) {
				v.add(fieldIndex("training_areas", i), "%s is listed twice", quote(a))
			}
		}
	}
	if v.list("entry_points", len(f.EntryPoints)) {
		for i, p := range f.EntryPoints {
			if _, ok := ref.EntryPoint(p); !ok {
				v.add(fieldIndex("entry_points", i), "unknown entry point %s; "+ListedAtEntryPoints, quote(p))
			} else if slices.Contains(f.EntryPoints[:i], p) {
				v.add(fieldIndex("entry_points", i), "%s is listed twice", quote(p))
			}
		}
	}
	v.count("personnel_ceiling", f.PersonnelCeiling, 1)
	if len(v.errs) > 0 {
		return &Error{Code: CodeInvalid, Message: "the framework agreement is not valid", Fields: v.errs}
	}
	return nil
}

// Fit reports whether a request of nation with details d fits inside f: the
// framework is the nation's, not suspended, valid for the whole period, and
// every area, entry point, the personnel total and the live-fire and
// dangerous-goods flags are inside its envelope, and the request carries
// nothing an agreement can never cover (warships, armed combat aircraft).
// Each limit exceeded is one reason, worded for the liaison officer who must
// fix it. Areas and entry points are named by their codes here (the
// policy's framework.reasons); a warning names them (fitNamed).
func Fit(f *Framework, nation string, d Details) (bool, []string) { return fitNamed(f, nation, d, nil) }

// fitNamed is Fit with the areas and entry points named as ref names them
// ("training area Ravlunda skjutfält not covered"); with no ref, or a code
// ref does not know, by their codes.
func fitNamed(f *Framework, nation string, d Details, ref Reference) (bool, []string) {
	var why []string
	if f.Nation != nation {
		why = append(why, "the framework agreement is of another nation")
	}
	if f.Suspended {
		why = append(why, "the framework agreement is suspended")
	}
	if d.Period.Start.Before(f.ValidFrom) || d.Period.End.After(f.ValidUntil) {
		why = append(why, fmt.Sprintf("the period %s to %s is not inside the framework's validity %s to %s",
			DateString(d.Period.Start), DateString(d.Period.End), DateString(f.ValidFrom), DateString(f.ValidUntil)))
	}
	for _, a := range uniqueAreas(d) {
		if !slices.Contains(f.TrainingAreas, a) {
			why = append(why, "training area "+areaLabel(ref, a)+" not covered")
		}
	}
	for _, p := range uniqueEntryPoints(d) {
		if !slices.Contains(f.EntryPoints, p) {
			why = append(why, "entry point "+pointLabel(ref, p)+" not covered")
		}
	}
	if n := d.Personnel.Total(); n > f.PersonnelCeiling {
		why = append(why, fmt.Sprintf("%d personnel exceed the ceiling of %d", n, f.PersonnelCeiling))
	}
	if d.Weapons.LiveFire && !f.LiveFire {
		why = append(why, "live fire not covered")
	}
	if len(d.DangerousGoods) > 0 && !f.DangerousGoods {
		why = append(why, "dangerous goods not covered")
	}
	why = append(why, outsideAnyFramework(d)...)
	return len(why) == 0, why
}

// outsideAnyFramework names the content no framework agreement can cover:
// the Admission Ordinance keeps warships and combat aircraft with the
// Government, case by case, so a standing permission cannot include them.
func outsideAnyFramework(d Details) []string {
	var why []string
	if n := countWarships(d.Vessels); n > 0 {
		why = append(why, fmt.Sprintf("%d warship(s): a framework agreement cannot cover warships, the Government decides each visit", n))
	}
	if n := countArmedAircraft(d.Aircraft); n > 0 {
		why = append(why, fmt.Sprintf("%d armed aircraft: a framework agreement cannot cover armed combat aircraft, the Government decides each case", n))
	}
	return why
}

func countWarships(vs []Vessel) int {
	n := 0
	for _, v := range vs {
		if v.Kind == VesselWarship {
			n++
		}
	}
	return n
}

func countArmedAircraft(as []Aircraft) int {
	n := 0
	for _, a := range as {
		if a.Armed {
			n += a.Count
		}
	}
	return n
}

// FrameworkWarning explains why a request that names a framework agreement
// does not take its fast track.
func FrameworkWarning(f *Framework, reasons []string) Warning {
	return Warning{Code: "framework_not_applicable", Message: fmt.Sprintf(
		"the request does not fit framework agreement %s, so it takes the normal route: %s",
		f.Reference, strings.Join(reasons, "; "))}
}

// FrameworkUnavailableWarning tells whoever reads a resubmitted request
// that the framework agreement it names (id, as the request names it) is
// no longer available to its nation, so it took the normal route: said
// the same whether the agreement was deleted or moved to another nation,
// of which it tells nothing.
func FrameworkUnavailableWarning(id string) Warning {
	return Warning{Code: "framework_not_applicable", Message: fmt.Sprintf(
		"framework agreement %s is no longer available, so the request takes the normal route", quote(id))}
}

func uniqueAreas(d Details) []string {
	var out []string
	for _, a := range d.TrainingAreas {
		if !slices.Contains(out, a.Area) {
			out = append(out, a.Area)
		}
	}
	return out
}

func uniqueEntryPoints(d Details) []string {
	var out []string
	for _, m := range d.Movements {
		if !slices.Contains(out, m.EntryPoint) {
			out = append(out, m.EntryPoint)
		}
	}
	return out
}

// areaLabel is the name ref gives training area code, or the code.
func areaLabel(ref Reference, code string) string {
	if ref != nil {
		if a, ok := ref.TrainingArea(code); ok && a.Name != "" {
			return a.Name
		}
	}
	return code
}

// pointLabel is the name ref gives entry point code, or the code.
func pointLabel(ref Reference, code string) string {
	if ref != nil {
		if p, ok := ref.EntryPoint(code); ok && p.Name != "" {
			return p.Name
		}
	}
	return code
}
