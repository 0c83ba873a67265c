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
