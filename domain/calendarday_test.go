package domain

import (
	"errors"
	"testing"
	"time"
)

// TestParseCalendarDay: the one reading of a framework agreement's days,
// for the API (valid_from and valid_until in JSON) and the console (the
// agreement form). Only 0001-01-01 of the days outside the calendar is
// refused here; the others parse, for the validation to refuse.
func TestParseCalendarDay(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		err  error
	}{
		{"", time.Time{}, nil},
		{"2027-03-02", date("2027-03-02"), nil},
		{"2000-01-01", FirstCalendarDay, nil},
		{"2099-12-31", LastCalendarDay, nil},
		{"1999-12-31", date("1999-12-31"), nil},
		{"2100-01-01", date("2100-01-01"), nil},
		{"9999-12-31", date("9999-12-31"), nil},
		{"0001-01-01", time.Time{}, ErrOutsideCalendar},
		{"0001-01-02", date("0001-01-02"), nil},
		{"2026-13-01", time.Time{}, ErrNotADay},
		{"2027-02-30", time.Time{}, ErrNotADay},
		{"2027-3-2", time.Time{}, ErrNotADay},
		{"2 March", time.Time{}, ErrNotADay},
		{"soon", time.Time{}, ErrNotADay},
		{" 2027-03-02", time.Time{}, ErrNotADay},
		{"2027-03-02T00:00:00Z", time.Time{}, ErrNotADay},
	} {
		got, err := ParseCalendarDay(c.in)
		if !errors.Is(err, c.err) || !got.Equal(c.want) {
			t.Errorf("%q: %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
	if ErrOutsideCalendar.Error() != OutsideCalendar {
		t.Errorf("ErrOutsideCalendar says %q, want the validation's %q", ErrOutsideCalendar, OutsideCalendar)
	}
}

// TestParseCalendarTime: the API's reading of a movement's time. Only Go's
// zero time, in any offset, of the times outside the calendar is refused
// here; the others parse, for the validation to refuse.
func TestParseCalendarTime(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Time
		err  error
	}{
		{"", time.Time{}, nil},
		{"2027-03-02T08:00:00Z", time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC), nil},
		{"2027-03-02T09:00:00+01:00", time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC), nil},
		{"0001-01-01T00:00:00Z", time.Time{}, ErrOutsideCalendarTime},
		{"0001-01-01T01:00:00+01:00", time.Time{}, ErrOutsideCalendarTime},
		{"0001-01-01T00:00:01Z", time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), nil},
		{"1999-12-31T12:00:00Z", time.Date(1999, 12, 31, 12, 0, 0, 0, time.UTC), nil},
		{"2027-03-02", time.Time{}, ErrNotATime},
		{"2027-03-02 08:00", time.Time{}, ErrNotATime},
		{"soon", time.Time{}, ErrNotATime},
	} {
		got, err := ParseCalendarTime(c.in)
		if !errors.Is(err, c.err) || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("%q: %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
	if ErrOutsideCalendarTime.Error() != OutsideCalendarTime {
		t.Errorf("ErrOutsideCalendarTime says %q, want the validation's %q", ErrOutsideCalendarTime, OutsideCalendarTime)
	}
}
