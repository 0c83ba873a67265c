package domain

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxBookingWindow bounds one calendar query of an area.
const MaxBookingWindow = 366

// The days a calendar query, a framework agreement's validity, or a
// request's period, bookings and movements may name: nothing of this
// service lies before 2000 or far ahead, and a date such as 0001-01-01
// (Go's zero time) is refused rather than read as "not given".
var (
	FirstCalendarDay = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	LastCalendarDay  = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	// OutsideCalendar is the message for a date outside them.
	OutsideCalendar = "must be a date from " + DateString(FirstCalendarDay) + " to " + DateString(LastCalendarDay)
	// OutsideCalendarTime is the message for a time (a movement's) on a
	// day, in Stockholm, outside them.
	OutsideCalendarTime = "must be a time on a day from " + DateString(FirstCalendarDay) + " to " + DateString(LastCalendarDay)
)

// InCalendar reports whether day lies from FirstCalendarDay to
// LastCalendarDay. ParseCalendarDay refuses a given 0001-01-01 while it
// reads the text, because afterwards it cannot be told from "not given".
func InCalendar(day time.Time) bool {
	return !day.Before(FirstCalendarDay) && !day.After(LastCalendarDay)
}

// TrainingAreas returns every area with its current capacity and blackout days.
func (s *FrameworkService) TrainingAreas(ctx context.Context) ([]TrainingArea, error) {
	return s.store.TrainingAreas(ctx)
}

// TrainingArea returns one area.
func (s *FrameworkService) TrainingArea(ctx context.Context, code string) (*TrainingArea, error) {
	areas, err := s.store.TrainingAreas(ctx)
	if err != nil {
		return nil, err
	}
	for i := range areas {
		if areas[i].Code == code {
			return &areas[i], nil
		}
	}
	return nil, ErrNotFound("training area")
}

// AreaEdit is what an administrator changes on a training area.
type AreaEdit struct {
	CapacityPersonnel int
	BlackoutDays      []time.Time
}

// AreaSaved is an administrator's save of a training area: the area as
// stored, and, when the save lowered its capacity, the days the bookings
// now exceed it (OverCapacity).
type AreaSaved struct {
	Area *TrainingArea
	Over OverCapacity
}

// OverCapacity are the days, from the day of a save that lowered an area's
// capacity on, on which the personnel booked exceed the new capacity, read
// from the stored per-day load (AreaDayLoad), each list sorted:
// Approved are the days approved requests alone exceed it, WithInReview
// the days approved requests and requests in review together do (so it
// holds every day of Approved). Nothing is changed on those requests:
// approved permits stand, and a final approval that books one of those
// days meets a capacity conflict and needs an override reason.
type OverCapacity struct {
	Capacity     int
	Approved     []time.Time
	WithInReview []time.Time
}

// InReviewOnly are the days of WithInReview that are not in Approved: over
// the capacity only counting the requests in review.
func (o OverCapacity) InReviewOnly() []time.Time {
	var out []time.Time
	for _, d := range o.WithInReview {
		if !slices.ContainsFunc(o.Approved, d.Equal) {
			out = append(out, d)
		}
	}
	return out
}

// Warnings are the sentences an administrator is told after the save, one
// for the days approved requests exceed the capacity and one for the days
// only the requests in review make it exceed; none when no day is over.
func (o OverCapacity) Warnings() []string {
	var out []string
	if len(o.Approved) > 0 {
		out = append(out, fmt.Sprintf("Approved requests book more than the new capacity of %d personnel on %s: their permits stand, "+
			"and a final approval that books those days needs an override reason.", o.Capacity, dayRangesLong(o.Approved)))
	}
	if only := o.InReviewOnly(); len(only) > 0 {
		out = append(out, fmt.Sprintf("Together with requests in review, bookings exceed the new capacity of %d personnel on %s: "+
			"the final approval that takes the load over it needs an override reason.", o.Capacity, dayRangesLong(only)))
	}
	return out
}

// DayRangesLong words sorted days as the training-area sentences word
// them, consecutive days grouped ("9–12 March 2027, 15 March 2027").
func DayRangesLong(days []time.Time) string { return dayRangesLong(days) }

// overCapacity reads, inside tx, the stored load of area from from on and
// returns the days over its capacity (OverCapacity).
func overCapacity(tx Tx, area TrainingArea, from time.Time) (OverCapacity, error) {
	o := OverCapacity{Capacity: area.CapacityPersonnel}
	rows, err := tx.AreaDayLoads(area.Code, from, LastCalendarDay, "")
	if err != nil {
		return o, err
	}
	for _, l := range rows {
		if l.Approved > area.CapacityPersonnel {
			o.Approved = append(o.Approved, l.Day)
		}
		if l.Approved+l.InReview > area.CapacityPersonnel {
			o.WithInReview = append(o.WithInReview, l.Day)
		}
	}
	return o, nil
}

// SaveTrainingArea sets an area's capacity and blackout days if version is
// still current. Values equal to the current ones are no change: the area
// is answered as it is, its version stays and nothing is audited. A save
// that lowers the capacity reads, in its transaction, the days from today
// (Stockholm) on that the bookings now exceed it (AreaSaved.Over); nobody
// is notified of them.
func (s *FrameworkService) SaveTrainingArea(ctx context.Context, p Principal, code string, version int, e AreaEdit) (AreaSaved, error) {
	v := &validator{}
	v.count("capacity_personnel", e.CapacityPersonnel, 1)
	if v.list("blackout_days", len(e.BlackoutDays)) {
		for i, d := range e.BlackoutDays {
			if d.IsZero() {
				v.add(fieldIndex("blackout_days", i), "must be a date")
			}
		}
	}
	if len(v.errs) > 0 {
		return AreaSaved{}, &Error{Code: CodeInvalid, Message: "the training area is not valid", Fields: v.errs}
	}
	days := slices.Clone(e.BlackoutDays)
	slices.SortFunc(days, time.Time.Compare)
	days = slices.CompactFunc(days, time.Time.Equal)
	var out *TrainingArea
	var over OverCapacity
	err := s.store.InTx(ctx, func(tx Tx) error {
		over = OverCapacity{} // nothing of an attempt that was retried
		areas, err := tx.TrainingAreas([]string{code}, true)
		if err != nil {
			return err
		}
		if len(areas) == 0 {
			return ErrNotFound("training area")
		}
		a := areas[0]
		if err := checkVersion("training area", version, a.Version); err != nil {
			return err
		}
		before := map[string]any{"capacity_personnel": a.CapacityPersonnel, "blackout_days": datesData(a.BlackoutDays)}
		after := map[string]any{"capacity_personnel": e.CapacityPersonnel, "blackout_days": datesData(days)}
		changed := changedData(before, after)
		if len(changed) == 0 {
			out = &a
			return nil
		}
		added, cut := AddedDays(a.BlackoutDays, days), e.CapacityPersonnel < a.CapacityPersonnel
		a.CapacityPersonnel, a.BlackoutDays, a.Version = e.CapacityPersonnel, days, version+1
		if err := tx.UpdateTrainingArea(&a, version); err != nil {
			return err
		}
		out = &a
		at := s.clock()
		if err := tx.AppendAudit(auditEntry(AuditEntry{At: at, Actor: p.Subject}, AuditTrainingAreaUpdated,
			AreaUpdatedData{Area: code, Version: a.Version, Changed: changed})); err != nil {
			return err
		}
		if cut {
			if over, err = overCapacity(tx, a, StockholmDate(at)); err != nil {
				return err
			}
		}
		return notifyAreaClosed(tx, a, added, at)
	})
	if err != nil {
		return AreaSaved{}, err
	}
	return AreaSaved{Area: out, Over: over}, nil
}

// notifyAreaClosed tells the requests in review or approved that book
// area on the days added that they are closed (AreaClosedNotifications),
// in the transaction of the change.
func notifyAreaClosed(tx Tx, area TrainingArea, added []time.Time, at time.Time) error {
	if len(added) == 0 {
		return nil
	}
	bs, err := tx.ListBookings(area.Code, added[0], added[len(added)-1], BookingStatuses)
	if err != nil {
		return err
	}
	for _, h := range hitsOf(bs, added) {
		r, err := tx.GetRequest(h.RequestID)
		if err != nil {
			return err
		}
		for i, ev := range AreaClosedNotifications(area, h.Days, r) {
			if err := tx.Notify(ev, at, AreaClosedKey(area.Code, area.Version, r.ID, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// Bookings returns the bookings of an area between from and to (in review or
// approved), for approvers and auditors only.
func (s *FrameworkService) Bookings(ctx context.Context, p Principal, code string, from, to time.Time) (*TrainingArea, []Booking, error) {
	if !p.HasRole(RoleAuditor) && !p.IsApprover() {
		return nil, nil, Errorf(CodeForbidden, "the bookings calendar is for approvers and auditors")
	}
	a, err := s.TrainingArea(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	var fe []FieldError
	for _, d := range []struct {
		field string
		day   time.Time
	}{{"from", from}, {"to", to}} {
		if !InCalendar(d.day) {
			fe = append(fe, FieldError{d.field, OutsideCalendar})
		}
	}
	if len(fe) == 0 && (to.Before(from) || to.Sub(from) > MaxBookingWindow*24*time.Hour) {
		fe = append(fe, FieldError{"to", "must be on or after from, and at most 366 days later"})
	}
	if len(fe) > 0 {
		return nil, nil, &Error{Code: CodeInvalid, Message: "bad date range", Fields: fe}
	}
	bs, err := s.store.ListBookings(ctx, code, from, to)
	return a, bs, err
}

func datesData(ds []time.Time) []any {
	out := make([]any, len(ds))
	for i, d := range ds {
		out[i] = DateString(d)
	}
	return out
}

// BlackoutHit is a request in review or approved whose booking of an area
// covers some of its blackout days: what an administrator who closes those
// days is told (the reference and status only, not the nation's movement
// data).
type BlackoutHit struct {
	RequestID string
	Reference string
	Status    Status
	Days      []time.Time
}

// BlackoutHits are the requests in review or approved that book area code
// on any of days that are blackout days of the area now, in the order of
// their first day hit, then reference. It is for administrators, to tell
// them, after they saved blackout days, whose bookings those days close:
// days that are not blackout days are left out, so it is no view of the
// bookings calendar.
func (s *FrameworkService) BlackoutHits(ctx context.Context, p Principal, code string, days []time.Time) ([]BlackoutHit, error) {
	if !p.HasRole(RoleAdmin) {
		return nil, Errorf(CodeForbidden, "the requests a blackout closes are told to administrators")
	}
	a, err := s.TrainingArea(ctx, code)
	if err != nil {
		return nil, err
	}
	var closed []time.Time
	for _, d := range days {
		if slices.ContainsFunc(a.BlackoutDays, d.Equal) && !slices.ContainsFunc(closed, d.Equal) {
			closed = append(closed, d)
		}
	}
	if len(closed) == 0 {
		return nil, nil
	}
	slices.SortFunc(closed, time.Time.Compare)
	bs, err := s.store.ListBookings(ctx, code, closed[0], closed[len(closed)-1])
	if err != nil {
		return nil, err
	}
	out := hitsOf(bs, closed)
	slices.SortFunc(out, func(x, y BlackoutHit) int {
		if c := x.Days[0].Compare(y.Days[0]); c != 0 {
			return c
		}
		return strings.Compare(x.Reference, y.Reference)
	})
	return out, nil
}

// hitsOf groups bs (the bookings of one area) by request, each with the
// days of closed its bookings cover, sorted; a request that books none of
// them is left out. The requests keep the order of their first booking in
// bs.
func hitsOf(bs []Booking, closed []time.Time) []BlackoutHit {
	var out []BlackoutHit
	for _, b := range bs {
		i := slices.IndexFunc(out, func(h BlackoutHit) bool { return h.RequestID == b.RequestID })
		if i < 0 {
			out = append(out, BlackoutHit{RequestID: b.RequestID, Reference: b.Reference, Status: b.Status})
			i = len(out) - 1
		}
		for _, d := range closed {
			if b.covers(d) && !slices.ContainsFunc(out[i].Days, d.Equal) {
				out[i].Days = append(out[i].Days, d)
			}
		}
	}
	out = slices.DeleteFunc(out, func(h BlackoutHit) bool { return len(h.Days) == 0 })
	for i := range out {
		slices.SortFunc(out[i].Days, time.Time.Compare)
	}
	return out
}

// Closures are the blackout days of areas that r's bookings cover, one
// conflict per area with its name and Blackout only: what the sending
// nation is told on the request's page, as the areas are now (the
// blackout days are public on the area; no other request counts).
func Closures(r *Request, areas []TrainingArea) []AreaConflict {
	byCode := make(map[string]TrainingArea, len(areas))
	for _, a := range areas {
		byCode[a.Code] = a
	}
	var out []AreaConflict
	for _, c := range Deconflict(r, byCode, func(string, time.Time) int { return 0 }) {
		if len(c.Blackout) > 0 {
			out = append(out, AreaConflict{Area: c.Area, Name: c.Name, Capacity: c.Capacity, Blackout: c.Blackout})
		}
	}
	return out
}
