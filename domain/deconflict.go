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
	Area           string
	Capacity       int
	OverDays       []time.Time
	Peak           int
	Blackout       []time.Time
	Others         []Booking
	NationOverDays []time.Time
}

// Exact reports whether the conflict holds on the exact figures: days over
// capacity or blackout days. A conflict seen only through the sending
// nation's coarse figures is a warning to them, never a refusal.
func (c AreaConflict) Exact() bool { return len(c.OverDays) > 0 || len(c.Blackout) > 0 }

// Deconflict checks r's training-area bookings against the area's capacity
// and blackout days, counting the given bookings of other requests. Each
// request is counted once per day and area, however its bookings overlap.
func Deconflict(r *Request, areas map[string]TrainingArea, others []Booking) []AreaConflict {
	var out []AreaConflict
	for _, code := range uniqueAreas(r.Details) {
		area, ok := areas[code]
		if !ok {
			continue
		}
		c := AreaConflict{Area: code, Capacity: area.CapacityPersonnel}
		involved := map[string]bool{}
		for _, day := range r.bookedDays(code) {
			if slices.ContainsFunc(area.BlackoutDays, day.Equal) {
				c.Blackout = append(c.Blackout, day)
			}
			others, here := loadOn(day, code, others, r.ID)
			load := r.Personnel.Total() + others
			if r.Personnel.Total()+nationLoad(others, area.CapacityPersonnel) > area.CapacityPersonnel {
				c.NationOverDays = append(c.NationOverDays, day)
			}
			if load > area.CapacityPersonnel {
				c.OverDays, c.Peak = append(c.OverDays, day), max(c.Peak, load)
				for id := range here {
					involved[id] = true
				}
			}
		}
		for _, b := range others {
			if involved[b.RequestID] && !slices.ContainsFunc(c.Others, func(o Booking) bool { return o.RequestID == b.RequestID }) {
				c.Others = append(c.Others, b)
			}
		}
		if c.Exact() || len(c.NationOverDays) > 0 {
			out = append(out, c)
		}
	}
	return out
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
// peak load and the other requests' references. Liaison officers get
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
			c.Area, c.Capacity, c.Peak, with, dayRanges(c.OverDays)))
	}
	if len(c.Blackout) > 0 {
		parts = append(parts, fmt.Sprintf("training area %s is closed (blackout) on %s", c.Area, dayRanges(c.Blackout)))
	}
	return strings.Join(parts, "; ")
}

// dayRanges renders sorted days compactly: "2027-03-05 to 2027-03-08, 2027-03-10".
func dayRanges(days []time.Time) string {
	var parts []string
	for i := 0; i < len(days); {
		j := i
		for j+1 < len(days) && days[j+1].Equal(days[j].AddDate(0, 0, 1)) {
			j++
		}
		if i == j {
			parts = append(parts, DateString(days[i]))
		} else {
			parts = append(parts, DateString(days[i])+" to "+DateString(days[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// txConflicts checks r's bookings, inside tx, against the bookings of other
// requests in the given statuses. With lock, the areas' rows are locked
// first, so that two transactions checking one area take turns.
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
	var others []Booking
	for _, a := range areas {
		byCode[a.Code] = a
		bs, err := tx.ListBookings(a.Code, r.Period.Start, r.Period.End, statuses)
		if err != nil {
			return nil, err
		}
		others = append(others, bs...)
	}
	return Deconflict(r, byCode, others), nil
}
