package web

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"exaccess/domain"
)

// converter collects the errors of fields that are not even numbers or
// dates; the domain's validation names everything else. A field that does
// not convert is the zero value, as one not given: the domain checks the
// other fields with it so (convInvalid), and its own error of that field
// is left out.
type converter struct{ errs []domain.FieldError }

func (c *converter) int(field, s string) int {
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if errors.Is(err, strconv.ErrRange) {
		// A whole number too large for an int is no less a whole number:
		// the domain says what it says of any number past its bound.
		// Every whole number of the console's forms is a count the domain
		// bounds by MaxCount, so one past it, not Atoi's largest int, which
		// a sum of counts would overflow (TestWholeNumberOutOfRange).
		if strings.HasPrefix(s, "-") {
			return -(domain.MaxCount + 1)
		}
		return domain.MaxCount + 1
	}
	if err != nil {
		c.errs = append(c.errs, domain.FieldError{Field: field, Message: msg("form.notnumber")})
		return 0
	}
	return n
}

func (c *converter) float(field, s string) float64 {
	if s == "" {
		return 0
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		c.errs = append(c.errs, domain.FieldError{Field: field, Message: msg("form.notdecimal")})
		return 0
	}
	return n
}

func (c *converter) date(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		c.errs = append(c.errs, domain.FieldError{Field: field, Message: msg("form.notdate")})
		return time.Time{}
	}
	return t
}

// convInvalid is the refusal of a form some of whose fields did not
// convert: their errors (conv), and the domain's errors of the other
// fields, from dom, the domain's check of the form with those fields left
// zero. So a date typed wrong is shown with every other field's error at
// once, not alone; the domain's "is required" of the date, which it was
// given as zero, is left out, and so is an error that measured another
// field against that zero (mergeErrs, measured). A dom that is not a
// field refusal adds nothing: the form is refused for what did not
// convert.
func convInvalid(message string, conv []domain.FieldError, dom error, deps ...measured) *domain.Error {
	all := conv
	var de *domain.Error
	if errors.As(dom, &de) && de.Code == domain.CodeInvalid {
		all = mergeErrs(conv, de.Fields, deps)
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: message, Fields: all}
}

// measured is a domain error of one field that compares it with other
// fields (On): the personnel total with each count, a delegation's ends
// with its starts. When one of On did not convert, the domain measured
// against the zero the form gave it, not against what was typed, and the
// error is left out. Message "" is any error of Field.
type measured struct {
	Field, Message string
	On             []string
}

// mergeErrs adds the domain's errors for fields the conversion did not
// already name, but those deps says were measured against a field that
// did not convert.
func mergeErrs(conv, dom []domain.FieldError, deps []measured) []domain.FieldError {
	seen := map[string]bool{}
	for _, e := range conv {
		seen[e.Field] = true
	}
	out := append([]domain.FieldError(nil), conv...)
	for _, e := range dom {
		if !seen[e.Field] && !againstUnread(e, deps, seen) {
			out = append(out, e)
		}
	}
	return out
}

// againstUnread reports whether e is one of deps measured against a field
// of unread.
func againstUnread(e domain.FieldError, deps []measured, unread map[string]bool) bool {
	for _, d := range deps {
		if d.Field != e.Field || (d.Message != "" && d.Message != e.Message) {
			continue
		}
		for _, f := range d.On {
			if unread[f] {
				return true
			}
		}
	}
	return false
}

// stockholmDay reads a YYYY-MM-DD as a day in Stockholm time: the instant
// it begins there, in the Stockholm zone (so that AddDate gives the next
// midnight across a change of summer time). calendarDay reads a day as a
// label (a request's period); a delegation's days are instants it runs
// between.
func (c *converter) stockholmDay(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.ParseInLocation(time.DateOnly, s, stockholm)
	if err != nil {
		c.errs = append(c.errs, domain.FieldError{Field: field, Message: msg("form.notdate")})
		return time.Time{}
	}
	return t
}

// calendarDay is date for a day that must lie in the service's calendar
// (domain.ParseCalendarDay, which the API reads its days with too).
func (c *converter) calendarDay(field, s string) time.Time {
	t, err := domain.ParseCalendarDay(s)
	switch {
	case errors.Is(err, domain.ErrNotADay):
		c.errs = append(c.errs, domain.FieldError{Field: field, Message: msg("form.notdate")})
	case err != nil:
		c.errs = append(c.errs, domain.FieldError{Field: field, Message: err.Error()})
	}
	return t
}

// local reads a datetime-local value as Stockholm time.
func (c *converter) local(field, s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	s = strings.Replace(s, "T", " ", 1)
	for _, layout := range []string{localMinute, localMinute + ":05"} {
		if t, err := time.ParseInLocation(layout, s, stockholm); err == nil {
			if t.UTC().IsZero() { // Go's zero time typed: outside the calendar, not missing
				c.errs = append(c.errs, domain.FieldError{Field: field, Message: domain.OutsideCalendarTime})
			}
			return t.UTC()
		}
	}
	c.errs = append(c.errs, domain.FieldError{Field: field, Message: msg("form.notdatetime")})
	return time.Time{}
}

func idx(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

// details converts the form; rows left entirely blank are dropped.
func (r requestForm) details() (domain.Details, []domain.FieldError) {
	var c converter
	d := domain.Details{ExerciseName: r.ExerciseName, Purpose: r.Purpose,
		Unit:   domain.Unit{Designation: r.Designation, ParentFormation: r.ParentFormation, Commander: r.Commander},
		Period: domain.Period{Start: c.calendarDay("period.start", r.Start), End: c.calendarDay("period.end", r.End)},
		Personnel: domain.Personnel{Military: c.int("personnel.military", r.Military),
			Civilian: c.int("personnel.civilian", r.Civilian), Contractors: c.int("personnel.contractors", r.Contractors)},
		Weapons:     domain.Weapons{LiveFire: r.LiveFire, Systems: lines(r.Systems)},
		FrameworkID: r.FrameworkID,
		Contact:     domain.Contact{Name: r.ContactName, Email: r.ContactEmail, Phone: r.ContactPhone}}
	for _, v := range r.Vehicles {
		if v != (vehicleRow{}) {
			f := idx("vehicles", len(d.Vehicles))
			d.Vehicles = append(d.Vehicles, domain.Vehicle{Category: v.Category, Kind: v.Kind, Count: c.int(f+".count", v.Count)})
		}
	}
	for _, a := range r.Aircraft {
		if a != (aircraftRow{}) {
			f := idx("aircraft", len(d.Aircraft))
			d.Aircraft = append(d.Aircraft, domain.Aircraft{Type: a.Type, Count: c.int(f+".count", a.Count),
				Armed: a.Armed, EWEquipment: a.EW, Cameras: a.Cameras})
		}
	}
	for _, v := range r.Vessels {
		if v != (vesselRow{}) {
			f := idx("vessels", len(d.Vessels))
			d.Vessels = append(d.Vessels, domain.Vessel{Name: v.Name, Kind: v.Kind, Crew: c.int(f+".crew", v.Crew)})
		}
	}
	for _, g := range r.Goods {
		if g != (goodsRow{}) {
			f := idx("dangerous_goods", len(d.DangerousGoods))
			d.DangerousGoods = append(d.DangerousGoods, domain.DangerousGood{UNNumber: g.UNNumber, Class: g.Class,
				NetExplosiveKg: c.float(f+".net_explosive_kg", g.NetExplosiveKg), Description: g.Description})
		}
	}
	for _, m := range r.Movements {
		if m != (movementRow{}) {
			f := idx("movements", len(d.Movements))
			d.Movements = append(d.Movements, domain.Movement{Direction: m.Direction, EntryPoint: m.EntryPoint,
				At: c.local(f+".at", m.At), Mode: m.Mode})
		}
	}
	for _, a := range r.Areas {
		if a != (areaRow{}) {
			f := idx("training_areas", len(d.TrainingAreas))
			d.TrainingAreas = append(d.TrainingAreas, domain.AreaBooking{Area: a.Area,
				From: c.calendarDay(f+".from", a.From), To: c.calendarDay(f+".to", a.To)})
		}
	}
	return d, c.errs
}

// compact drops the blank rows, so that error indexes match the rows shown.
func (r requestForm) compact() requestForm {
	r.Vehicles = nonBlank(r.Vehicles)
	r.Aircraft = nonBlank(r.Aircraft)
	r.Vessels = nonBlank(r.Vessels)
	r.Goods = nonBlank(r.Goods)
	r.Movements = nonBlank(r.Movements)
	r.Areas = nonBlank(r.Areas)
	return r
}

func nonBlank[T comparable](xs []T) []T {
	var zero T
	out := xs[:0:0]
	for _, x := range xs {
		if x != zero {
			out = append(out, x)
		}
	}
	return out
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
