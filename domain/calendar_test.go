package domain

import (
	"testing"
	"time"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestEaster(t *testing.T) {
	// docs/product.md ("Swedish practice") gives these; the rest are from the Church of Sweden's almanac.
	want := map[int]string{2019: "2019-04-21", 2024: "2024-03-31", 2025: "2025-04-20",
		2026: "2026-04-05", 2027: "2027-03-28", 2028: "2028-04-16", 2038: "2038-04-25"}
	for y, w := range want {
		if got := Easter(y).Format(time.DateOnly); got != w {
			t.Errorf("Easter(%d) = %s, want %s", y, got, w)
		}
	}
}

func TestIsWorkingDay(t *testing.T) {
	tests := []struct {
		day  string
		want bool
		why  string
	}{
		{"2026-11-27", true, "an ordinary Friday"},
		{"2026-11-28", false, "Saturday"},
		{"2026-11-29", false, "Sunday"},
		{"2026-01-01", false, "New Year's Day"},
		{"2026-01-06", false, "Epiphany"},
		{"2026-01-07", true, "the day after Epiphany"},
		{"2026-04-02", true, "Maundy Thursday is a working day"},
		{"2026-04-03", false, "Good Friday"},
		{"2026-04-06", false, "Easter Monday"},
		{"2026-04-07", true, "the Tuesday after Easter"},
		{"2026-05-01", false, "May Day"},
		{"2026-05-14", false, "Ascension Day 2026 (Easter + 39)"},
		{"2026-05-15", true, "the Friday after Ascension"},
		{"2026-06-05", true, "the day before National Day"},
		{"2026-06-06", false, "National Day (a Saturday in 2026)"},
		{"2027-06-07", true, "Whit Monday is no longer a holiday"},
		{"2026-06-19", false, "Midsummer Eve 2026"},
		{"2026-06-18", true, "the Thursday before Midsummer Eve"},
		{"2027-06-25", false, "Midsummer Eve 2027"},
		{"2025-06-20", false, "Midsummer Eve 2025"},
		{"2026-12-24", false, "Christmas Eve"},
		{"2026-12-25", false, "Christmas Day"},
		{"2026-12-28", true, "the Monday after Boxing Day"},
		{"2026-12-31", false, "New Year's Eve"},
		{"2025-04-18", false, "Good Friday 2025"},
		{"2027-03-29", false, "Easter Monday 2027"},
		{"2027-05-06", false, "Ascension Day 2027"},
	}
	for _, tt := range tests {
		if got := IsWorkingDay(date(tt.day)); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v (%s)", tt.day, got, tt.want, tt.why)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	tests := []struct {
		from string // an instant
		n    int
		want string // the Stockholm day whose end is the deadline
	}{
		{"2026-11-23T09:00:00Z", 2, "2026-11-25"},  // Monday + 2
		{"2026-11-27T15:00:00Z", 1, "2026-11-30"},  // Friday + 1 skips the weekend
		{"2026-11-28T12:00:00Z", 1, "2026-11-30"},  // submitted on a Saturday
		{"2026-12-22T10:00:00Z", 3, "2026-12-29"},  // 23, (24, 25, 26, 27 off), 28, 29
		{"2026-12-30T10:00:00Z", 2, "2027-01-05"},  // (31, 1, 2, 3 off), 4, 5
		{"2026-04-01T08:00:00Z", 2, "2026-04-07"},  // 2, (3 Good Friday, 4, 5, 6 Easter Monday), 7
		{"2026-06-17T08:00:00Z", 2, "2026-06-22"},  // 18, (19 Midsummer Eve, 20, 21), 22
		{"2026-11-23T23:30:00Z", 1, "2026-11-25"},  // 00:30 on the 24th in Stockholm
		{"2026-05-13T09:00:00Z", 1, "2026-05-15"},  // Ascension on the 14th
		{"2026-11-23T09:00:00Z", 10, "2026-12-07"}, // two whole weeks
	}
	for _, tt := range tests {
		from, _ := time.Parse(time.RFC3339, tt.from)
		got := AddWorkingDays(from, tt.n)
		local := got.In(stockholm)
		if local.Format(time.DateOnly) != tt.want || local.Hour() != 23 || local.Minute() != 59 {
			t.Errorf("AddWorkingDays(%s, %d) = %s (Stockholm %s), want end of %s", tt.from, tt.n, got, local, tt.want)
		}
		if got.Location() != time.UTC {
			t.Errorf("AddWorkingDays returns %v, want UTC", got.Location())
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	tests := []struct {
		from, to string
		want     int
	}{
		{"2026-11-23", "2026-11-26", 2}, // Tue, Wed
		{"2026-11-26", "2026-11-30", 1}, // Fri
		{"2026-11-26", "2026-11-26", 0}, // same day
		{"2026-11-26", "2026-11-20", 0}, // start before submission
		{"2026-12-21", "2027-01-08", 8}, // 22, 23, 28, 29, 30, 4, 5, 7
		{"2026-03-30", "2026-04-10", 6}, // 31, 1, 2, 7, 8, 9
	}
	for _, tt := range tests {
		if got := WorkingDaysBetween(date(tt.from), date(tt.to)); got != tt.want {
			t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
		}
	}
}
