package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// BookingStatuses are the statuses whose training-area bookings count:
// a request in review holds its booking tentatively, an approved one firmly.
var BookingStatuses = []Status{StatusInReview, StatusApproved}

// Booking is one request's claim on a training area for some days, with the
// personnel it brings.
type Booking struct {
	RequestID string
	Reference string
	Nation    string
	Status    Status
	Area      string
	From, To  time.Time
	Personnel int
}

// covers reports whether the booking includes day.
func (b Booking) covers(day time.Time) bool { return !day.Before(b.From) && !day.After(b.To) }

// AreaConflict is what is wrong with a request's use of one training area:
// the days its bookings, with the others', exceed the capacity, the blackout
// days it touches, and the other requests involved. NationOverDays are the
// over-capacity days as the sending nation is told them (see nationLoad); they
// include every day of OverDays.
type AreaConflict struct {
	Area string
	// Name is the area's name in the reference data ("Ravlunda
	// skjutfält"), which the messages use; "" falls back to Area.
	Name           string
	Capacity       int
	OverDays       []time.Time
	Peak           int
	Blackout       []time.Time
	Others         []Booking
	NationOverDays []time.Time
}

// Label is how messages name the area: its name, or its code when the
// reference data gives none.
func (c AreaConflict) Label() string {
	if c.Name != "" {
		return c.Name
	}
	return c.Area
}

// Exact reports whether the conflict holds on the exact figures: days over
// capacity or blackout days. A conflict seen only through the sending
// nation's coarse figures is a warning to them, never a refusal.
func (c AreaConflict) Exact() bool { return len(c.OverDays) > 0 || len(c.Blackout) > 0 }

// OtherLoad is the personnel that requests other than the one being checked
// book on area on day, each request counted once a day however its bookings
// overlap.
type OtherLoad func(area string, day time.Time) int

// Deconflict checks r's training-area bookings against the area's capacity
// and blackout days, counting load for the other requests. Others is left
// empty: NameOthers fills it where a message must name them.
func Deconflict(r *Request, areas map[string]TrainingArea, load OtherLoad) []AreaConflict {
	var out []AreaConflict
	for _, code := range uniqueAreas(r.Details) {
		area, ok := areas[code]
		if !ok {
			continue
		}
		c := AreaConflict{Area: code, Name: area.Name, Capacity: area.CapacityPersonnel}
		for _, day := range r.bookedDays(code) {
			if slices.ContainsFunc(area.BlackoutDays, day.Equal) {
				c.Blackout = append(c.Blackout, day)
			}
			others := load(code, day)
			if r.Personnel.Total()+nationLoad(others, area.CapacityPersonnel) > area.CapacityPersonnel {
				c.NationOverDays = append(c.NationOverDays, day)
			}
			if n := r.Personnel.Total() + others; n > area.CapacityPersonnel {
				c.OverDays, c.Peak = append(c.OverDays, day), max(c.Peak, n)
			}
		}
		if c.Exact() || len(c.NationOverDays) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// BookingLoad counts the given bookings as Deconflict's OtherLoad, leaving
// out request skip: the day-by-day walk over every booking. Storage keeps
// the same sums per area and day (AreaDayLoad), so the write paths need not
// read the bookings; this is the reference it is tested against.
func BookingLoad(bookings []Booking, skip string) OtherLoad {
	return func(area string, day time.Time) int {
		n, _ := loadOn(day, area, bookings, skip)
		return n
	}
}

// NameOthers fills each conflict's Others with the bookings of the requests
// (other than skip) counted on its days over capacity, in the order of
// bookings, one per request.
func NameOthers(cs []AreaConflict, bookings []Booking, skip string) {
	for i := range cs {
		involved := map[string]bool{}
		for _, day := range cs[i].OverDays {
			_, here := loadOn(day, cs[i].Area, bookings, skip)
			for id := range here {
				involved[id] = true
			}
		}
		for _, b := range bookings {
			if involved[b.RequestID] && !slices.ContainsFunc(cs[i].Others, func(o Booking) bool { return o.RequestID == b.RequestID }) {
				cs[i].Others = append(cs[i].Others, b)
			}
		}
	}
}

// AreaDayLoad is the personnel booked on one area on one day by requests in
// review and by approved requests, kept apart; each request counts once a
// day. Storage maintains it with every change of a request's status or
// bookings.
type AreaDayLoad struct {
	Day      time.Time
	InReview int
	Approved int
}

// of is the load of the given statuses.
func (l AreaDayLoad) of(statuses []Status) int {
	n := 0
	if slices.Contains(statuses, StatusInReview) {
		n += l.InReview
	}
	if slices.Contains(statuses, StatusApproved) {
		n += l.Approved
	}
	return n
}

// loadOn sums the personnel of the bookings on area that cover day, each
// request once a day however its bookings overlap, leaving out request skip.
// It returns the sum and the requests counted.
func loadOn(day time.Time, area string, bookings []Booking, skip string) (int, map[string]bool) {
	load, counted := 0, map[string]bool{}
	for _, b := range bookings {
		if b.Area == area && b.RequestID != skip && b.covers(day) && !counted[b.RequestID] {
			counted[b.RequestID] = true
			load += b.Personnel
		}
	}
	return load, counted
}

// DayLoad is one day of an area's calendar.
type DayLoad struct {
	Day       time.Time
	Personnel int
	Blackout  bool
	Over      bool
}

// DayLoads is an area's calendar from from to to: the personnel booked each
// day, counted as Deconflict counts it, and the blackout days. Days with
// neither are left out.
func DayLoads(a TrainingArea, bookings []Booking, from, to time.Time) []DayLoad {
	var out []DayLoad
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		load, _ := loadOn(d, a.Code, bookings, "")
		blackout := slices.ContainsFunc(a.BlackoutDays, d.Equal)
		if load > 0 || blackout {
			out = append(out, DayLoad{Day: d, Personnel: load, Blackout: blackout, Over: load > a.CapacityPersonnel})
		}
	}
	return out
}

// bookedDays are the days r books area, each once, in order.
func (r *Request) bookedDays(area string) []time.Time {
	var days []time.Time
	for _, b := range r.TrainingAreas {
		if b.Area != area {
			continue
		}
		for d := b.From; !d.After(b.To); d = d.AddDate(0, 0, 1) {
			if !slices.ContainsFunc(days, d.Equal) {
				days = append(days, d)
			}
		}
	}
	slices.SortFunc(days, time.Time.Compare)
	return days
}

// Message describes the conflict in full, for approvers and auditors: the
// peak load and the other requests' references, the days worded as
// NationMessage words them ("training area Ravlunda skjutfält would exceed
// its capacity of 1200 personnel (peak 1300) together with
// SE-2027-EXA-000001 on 9–12 March 2027"). Liaison officers get
// NationMessage instead (need-to-know).
func (c AreaConflict) Message() string {
	var parts []string
	if len(c.OverDays) > 0 {
		refs := make([]string, 0, len(c.Others))
		for _, o := range c.Others {
			refs = append(refs, o.Reference)
		}
		slices.Sort(refs)
		with := ""
		if len(refs) > 0 {
			with = " together with " + strings.Join(refs, ", ")
		}
		parts = append(parts, fmt.Sprintf("training area %s would exceed its capacity of %d personnel (peak %d)%s on %s",
			c.Label(), c.Capacity, c.Peak, with, dayRangesLong(c.OverDays)))
	}
	if len(c.Blackout) > 0 {
		parts = append(parts, fmt.Sprintf("training area %s is closed (blackout) on %s", c.Label(), dayRangesLong(c.Blackout)))
	}
	return strings.Join(parts, "; ")
}

// txConflicts checks r's bookings, inside tx, against the load of other
// requests in the given statuses: one stored row per area and day (the
// cost does not grow with the other requests). With lock, the areas' rows
// are locked first, so that two transactions checking one area take turns
// (on PostgreSQL, FOR UPDATE; SQLite's single writer takes turns anyway).
//
// Every change that reads an area's load to warn or refuse locks it so, and
// so does every change of an area (SaveTrainingArea): a submission (its
// warnings), a final approval (its refusal), a save that closes days (its
// area.closed notices) or cuts the capacity (its report). Without the lock
// on PostgreSQL (READ COMMITTED) a submission and a save, or two
// submissions, each read the area before the other committed and neither
// told: no warning, no notice. The areas are locked in code order before
// anything else a change locks — then the counters (a reference), the
// request's row, the load rows, the audit counter — so the changes that
// meet on an area queue on it instead of deadlocking.
func txConflicts(tx Tx, r *Request, statuses []Status, lock bool) ([]AreaConflict, error) {
	codes := uniqueAreas(r.Details)
	if len(codes) == 0 {
		return nil, nil
	}
	slices.Sort(codes) // lock in one order everywhere: no deadlocks
	areas, err := tx.TrainingAreas(codes, lock)
	if err != nil {
		return nil, err
	}
	byCode := map[string]TrainingArea{}
	loads := map[string]int{} // by area and day
	for _, a := range areas {
		byCode[a.Code] = a
		from, to := r.bookedSpan(a.Code)
		rows, err := tx.AreaDayLoads(a.Code, from, to, r.ID)
		if err != nil {
			return nil, err
		}
		for _, l := range rows {
			loads[a.Code+" "+DateString(l.Day)] = l.of(statuses)
		}
	}
	return Deconflict(r, byCode, func(area string, day time.Time) int { return loads[area+" "+DateString(day)] }), nil
}

// bookedSpan is the first and last day r books area.
func (r *Request) bookedSpan(area string) (from, to time.Time) {
	ok := false
	for _, b := range r.TrainingAreas {
		if b.Area != area {
			continue
		}
		if !ok || b.From.Before(from) {
			from = b.From
		}
		if !ok || b.To.After(to) {
			to = b.To
		}
		ok = true
	}
	return from, to
}
