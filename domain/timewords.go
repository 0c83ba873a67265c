package domain

import "time"

// StockholmTime is an instant as people read it, in the console and in
// the notices alike: Stockholm's wall clock with the zone named, CET or
// CEST as the day has it ("2026-11-25 23:59 CET (Stockholm)",
// "2027-06-01 10:00 CEST (Stockholm)").
func StockholmTime(t time.Time) string {
	return t.In(stockholm).Format("2006-01-02 15:04 MST") + " (Stockholm)"
}

// StockholmUntil is the instant something ends, as StockholmTime words it,
// except that one at midnight in Stockholm is the end of the day before
// ("2026-12-20 24:00 CET (Stockholm)"): a delegation whose last day is the
// 20th reads as ending on the 20th, not into the 21st.
func StockholmUntil(t time.Time) string {
	l := t.In(stockholm)
	if l.Hour() != 0 || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
		return StockholmTime(t)
	}
	return l.AddDate(0, 0, -1).Format(time.DateOnly) + " 24:00 " + l.Format("MST") + " (Stockholm)"
}
