package domain

import (
	"errors"
	"time"
)

// The two ways ParseCalendarDay refuses a day given. ErrNotADay has no
// wording for people: the API and the console each say it in their own
// words beside their other format errors. ErrOutsideCalendar's text is
// OutsideCalendar, the validation's, so that 0001-01-01 reads as 1999-12-31
// does.
var (
	ErrNotADay         = errors.New("not a date of the form YYYY-MM-DD")
	ErrOutsideCalendar = errors.New(OutsideCalendar)
)

// ParseCalendarDay reads a day given as YYYY-MM-DD for a field whose days
// lie in the service's calendar (InCalendar): a framework agreement's
// validity. "" is no day: the zero time, and no error. A given 0001-01-01
// (Go's zero time) is refused here, where it is still told from a day not
// given, instead of read as missing; the rest of the range is the
// validation's check, which lets an agreement keep a stored day from
// before the range was checked.
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
