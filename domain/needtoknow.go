package domain

import (
	"fmt"
	"strings"
	"time"
)

// Need-to-know in deconfliction (docs/security.md, "Need-to-know in deconfliction"): a liaison officer learns on
// which days an area would be over capacity, never which other requests,
// nations or personnel figures make up the load. Deconflict computes the full
// picture; the functions here render it for each audience.

// Audiences of a warning.
const (
	AudienceNation    = "nation"    // the sending nation's liaison officers
	AudienceApprovers = "approvers" // approvers and auditors: the full picture
)

// nationConflictsKey holds, in a decision's audit data, the area conflicts
// as the sending nation may read them; "area_conflicts" holds the full ones.
const nationConflictsKey = "area_conflicts_nation"

// nationLoad is the others' load on a day as it counts in what the sending
// nation is told: rounded up to a whole step of a tenth of the capacity.
// Whether a day is over capacity then changes only when the others' load
// crosses a step, so a liaison officer who varies their own personnel across
// submissions learns at most the step the others' load is in — never a
// booking's size, nor a figure finer than a tenth of the capacity.
func nationLoad(others, capacity int) int {
	step := max((capacity+9)/10, 1)
	return (others + step - 1) / step * step
}

// NationMessage is the over-capacity and blackout warning for the sending
// nation. It depends on nothing but the area, named as the reference data
// names it, and the two sets of days: "Ravlunda skjutfält would be over
// capacity on 5–12 March 2027".
func NationMessage(area string, over, blackout []time.Time) string {
	var parts []string
	if len(over) > 0 {
		parts = append(parts, fmt.Sprintf("%s would be over capacity on %s", area, dayRangesLong(over)))
	}
	if len(blackout) > 0 {
		parts = append(parts, fmt.Sprintf("%s is closed (blackout) on %s", area, dayRangesLong(blackout)))
	}
	return strings.Join(parts, "; ")
}

// ConflictWarnings turns conflicts found at submission into warnings: the
// full picture for approvers, the days alone for the sending nation, and the
// blackout days (public on the area) for everyone.
func ConflictWarnings(cs []AreaConflict) []Warning {
	var out []Warning
	for _, c := range cs {
		if len(c.OverDays) > 0 {
			full := AreaConflict{Area: c.Area, Name: c.Name, Capacity: c.Capacity, OverDays: c.OverDays, Peak: c.Peak, Others: c.Others}
			out = append(out, Warning{Code: "area_capacity", Message: full.Message(), Audience: AudienceApprovers})
		}
		if len(c.NationOverDays) > 0 {
			out = append(out, Warning{Code: "area_capacity", Message: NationMessage(c.Label(), c.NationOverDays, nil), Audience: AudienceNation})
		}
		if len(c.Blackout) > 0 {
			out = append(out, Warning{Code: "area_blackout", Message: NationMessage(c.Label(), nil, c.Blackout)})
		}
	}
	return out
}

// WarningsFor are the warnings of a request that p may read. A capacity
// warning stored before warnings had audiences names other requests, so it
// is for approvers only.
func WarningsFor(ws []Warning, p Principal) []Warning {
	audience := AudienceApprovers
	if p.IsLiaison() {
		audience = AudienceNation
	}
	out := make([]Warning, 0, len(ws))
	for _, w := range ws {
		a := w.Audience
		if a == "" && w.Code == "area_capacity" {
			a = AudienceApprovers
		}
		if a == "" || a == audience {
			out = append(out, w)
		}
	}
	return out
}

// nationHistory renders one history entry for the sending nation: area
// conflicts as days alone, and no override reason (an approver's free text
// may name the other requests or nations).
func nationHistory(e AuditEntry) AuditEntry {
	if _, ok := e.Data["area_conflicts"]; !ok {
		return e
	}
	data := make(map[string]any, len(e.Data))
	for k, v := range e.Data {
		data[k] = v
	}
	data["area_conflicts"] = data[nationConflictsKey]
	if data["area_conflicts"] == nil {
		delete(data, "area_conflicts")
	}
	delete(data, nationConflictsKey)
	delete(data, "override_reason")
	e.Data = data
	return e
}

// dayRangesLong renders sorted days in words, consecutive days grouped, in
// every training-area sentence (NationMessage, AreaConflict.Message, the
// closing of an area's days):
// "5–12 March 2027", "28 February – 2 March 2027", "30 December 2026 –
// 2 January 2027", "5 March 2027, 9 March 2027".
func dayRangesLong(days []time.Time) string {
	var parts []string
	for _, r := range DayRuns(days) {
		parts = append(parts, dayRangeLong(r[0], r[1]))
	}
	return strings.Join(parts, ", ")
}

// DayRuns groups sorted days into runs of consecutive days, each run as
// its first and last day (the same day for a day alone). Every grouped
// rendering of days is written from it: dayRangesLong's words here, the
// console's ISO ranges in an address.
func DayRuns(days []time.Time) [][2]time.Time {
	var runs [][2]time.Time
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1].Equal(days[j].AddDate(0, 0, 1)) {
			j++
		}
		runs = append(runs, [2]time.Time{days[i], days[j]})
		i = j + 1
	}
	return runs
}

func dayRangeLong(a, b time.Time) string {
	switch {
	case a.Equal(b):
		return a.Format("2 January 2006")
	case a.Year() == b.Year() && a.Month() == b.Month():
		return fmt.Sprintf("%d–%s", a.Day(), b.Format("2 January 2006"))
	case a.Year() == b.Year():
		return a.Format("2 January") + " – " + b.Format("2 January 2006")
	}
	return a.Format("2 January 2006") + " – " + b.Format("2 January 2006")
}
