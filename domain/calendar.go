package domain

import (
	"time"
	_ "time/tzdata" // deadlines are Swedish local time; do not depend on the host's zoneinfo
)

// Stockholm is the time zone in which Swedish working days begin and end.
var stockholm = mustLoadLocation("Europe/Stockholm")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("domain: embedded tzdata lacks " + name + ": " + err.Error())
	}
	return loc
}

// Easter returns Easter Sunday of the given Gregorian year (the anonymous
// Gregorian algorithm of Meeus, Jones and Butcher), as a UTC midnight.
func Easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// IsWorkingDay reports whether the calendar date of d (its year, month and
// day, whatever its location) is a Swedish working day: a weekday that is not
// a public holiday of Lag 1989:253 and not Midsummer Eve, Christmas Eve or
// New Year's Eve (Lag 1930:173 §2). Every Sunday, Easter Sunday, Whit Sunday,
// Midsummer Day and All Saints' Day are holidays too, but they never fall on
// a weekday, so the weekend rule already covers them.
func IsWorkingDay(d time.Time) bool {
	y, m, day := d.Date()
	date := time.Date(y, m, day, 0, 0, 0, 0, time.UTC)
	switch date.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	switch {
	case m == time.January && (day == 1 || day == 6):
		return false // New Year's Day, Epiphany
	case m == time.May && day == 1:
		return false // May Day
	case m == time.June && day == 6:
		return false // National Day
	case m == time.June && day >= 19 && day <= 25 && date.Weekday() == time.Friday:
		return false // Midsummer Eve: the Friday before Midsummer Day (Saturday 20–26 June)
	case m == time.December && (day == 24 || day == 25 || day == 26 || day == 31):
		return false // Christmas Eve, Christmas Day, Boxing Day, New Year's Eve
	}
	easter := Easter(y)
	switch date.Sub(easter).Hours() / 24 {
	case -2, 1, 39:
		return false // Good Friday, Easter Monday, Ascension Day
	}
	return true
}

// AddWorkingDays returns the deadline n Swedish working days after the
// instant from: the end (23:59:59 Stockholm time) of the n-th working day
// after from's Stockholm calendar day, in UTC. The day of from itself never
// counts, so a stage activated late on a Friday still gets n whole days.
func AddWorkingDays(from time.Time, n int) time.Time {
	local := from.In(stockholm)
	d := time.Date(local.Year(), local.Month(), local.Day(), 12, 0, 0, 0, stockholm)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if IsWorkingDay(d) {
			n--
		}
	}
	end := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, stockholm)
	return end.UTC()
}

// WorkingDaysBetween counts the Swedish working days strictly after the
// calendar day of from and strictly before the calendar day of to: the whole
// working days available between submitting on from and starting on to.
// It is zero when to is not after from.
func WorkingDaysBetween(from, to time.Time) int {
	f := from.In(stockholm)
	d := time.Date(f.Year(), f.Month(), f.Day(), 12, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), to.Day(), 12, 0, 0, 0, time.UTC)
	n := 0
	for d = d.AddDate(0, 0, 1); d.Before(end); d = d.AddDate(0, 0, 1) {
		if IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// StockholmDate returns the Stockholm calendar date of t as a UTC midnight.
func StockholmDate(t time.Time) time.Time {
	l := t.In(stockholm)
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// StockholmMidnight is the instant a calendar day (its year, month and day,
// whatever its location) begins in Stockholm: when an exercise period that
// starts on that day begins.
func StockholmMidnight(d time.Time) time.Time {
	y, m, day := d.Date()
	return time.Date(y, m, day, 0, 0, 0, 0, stockholm).UTC()
}
