package domain

import (
	"testing"
	"time"
)

// TestStockholmTime: an instant reads as the console shows it, in the
// notices too — Stockholm's wall clock, the zone CET or CEST as the day
// has it, "(Stockholm)" — and an end at midnight as 24:00 of the day
// before.
func TestStockholmTime(t *testing.T) {
	for _, c := range []struct {
		at          time.Time
		time, until string
	}{
		{time.Date(2026, 12, 3, 22, 59, 0, 0, time.UTC), "2026-12-03 23:59 CET (Stockholm)", "2026-12-03 23:59 CET (Stockholm)"},
		{time.Date(2027, 6, 1, 8, 0, 0, 0, time.UTC), "2027-06-01 10:00 CEST (Stockholm)", "2027-06-01 10:00 CEST (Stockholm)"},
		{time.Date(2026, 12, 20, 23, 0, 0, 0, time.UTC), "2026-12-21 00:00 CET (Stockholm)", "2026-12-20 24:00 CET (Stockholm)"},
		{time.Date(2027, 6, 20, 22, 0, 0, 0, time.UTC), "2027-06-21 00:00 CEST (Stockholm)", "2027-06-20 24:00 CEST (Stockholm)"},
	} {
		if got := StockholmTime(c.at); got != c.time {
			t.Errorf("StockholmTime(%s) = %q, want %q", c.at, got, c.time)
		}
		if got := StockholmUntil(c.at); got != c.until {
			t.Errorf("StockholmUntil(%s) = %q, want %q", c.at, got, c.until)
		}
	}
}
