package domain

import (
	"errors"
	"time"
)

// The ways ParseCalendarDay and ParseCalendarTime refuse a day or time
// given. ErrNotADay and ErrNotATime have no wording for people: the API
// and the console each say them in their own words beside their other
// format errors. ErrOutsideCalendar's text is OutsideCalendar, and
// ErrOutsideCalendarTime's OutsideCalendarTime, the validation's, so that
// 0001-01-01 reads as 1999-12-31 does.
var (
	ErrNotADay             = errors.New("not a date of the form YYYY-MM-DD")
	ErrNotATime            = errors.New("not an RFC 3339 time")
	ErrOutsideCalendar     = errors.New(OutsideCalendar)
	ErrOutsideCalendarTime = errors.New(OutsideCalendarTime)
)

// ParseCalendarDay reads a day given as YYYY-MM-DD for a field whose days
// lie in the service's calendar (InCalendar): a framework agreement's
// validity, a request's period and its bookings' days. "" is no day: the
// zero time, and no error. A given 0001-01-01 (Go's zero time) is refused
// here, where it is still told from a day not given, instead of read as
// missing ("is required"); the rest of the range is the validation's
// check, which lets an agreement keep a stored day from before the range
// was checked.
func ParseCalendarDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	switch {
	case err != nil:
		return time.Time{}, ErrNotADay
	case t.IsZero():
		return time.Time{}, ErrOutsideCalendar
	}
	return t, nil
}

// ParseCalendarTime reads an RFC 3339 time, in UTC, for a field whose
// times lie on days of the service's calendar: a request's movements. ""
// is no time: the zero time, and no error. A given time that is Go's zero
// time (0001-01-01T00:00:00Z, in any offset) is refused here as outside
// the calendar, for the reason ParseCalendarDay refuses 0001-01-01; the
// rest of the range is the validation's check.
func ParseCalendarTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	switch {
	case err != nil:
		return time.Time{}, ErrNotATime
	case t.UTC().IsZero():
		return time.Time{}, ErrOutsideCalendarTime
	}
	return t.UTC(), nil
}
