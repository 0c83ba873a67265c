package domain

import (
	"slices"
	"testing"
	"time"
)

// errsOf are the errors of err as "field: message", those of fields
// outside keep left out.
func errsOf(t *testing.T, err error, keep func(string) bool) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e, ok := err.(*Error)
	if !ok || e.Code != CodeInvalid {
		t.Fatalf("want an invalid error, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		if keep(f.Field) {
			out = append(out, f.Field+": "+f.Message)
		}
	}
	return out
}

// TestValidatePeriodNamesEachMissingDay: a period's days, and a
// booking's, are each required on their own — a missing first day does
// not hide a missing last one — and compared only when both are given,
// so that a day not given is measured against nothing. A booking is
// measured against the period only when the period's days are in order:
// against a reversed period every booking would be "outside", an error
// that only repeats the period's.
func TestValidatePeriodNamesEachMissingDay(t *testing.T) {
	var none time.Time
	for _, c := range []struct {
		name       string
		start, end time.Time
		from, to   time.Time
		want       []string
	}{
		{"both given", date("2027-03-02"), date("2027-03-20"), date("2027-03-05"), date("2027-03-12"), nil},
		{"start missing", none, date("2027-03-20"), date("2027-03-05"), date("2027-03-12"), []string{"period.start: is required"}},
		{"end missing", date("2027-03-02"), none, date("2027-03-05"), date("2027-03-12"), []string{"period.end: is required"}},
		{"both missing", none, none, date("2027-03-05"), date("2027-03-12"),
			[]string{"period.start: is required", "period.end: is required"}},
		{"end before start", date("2027-03-20"), date("2027-03-02"), date("2027-03-05"), date("2027-03-12"),
			[]string{"period.end: must not be before period.start"}},
		{"end before start, booking after both", date("2027-03-20"), date("2027-03-02"), date("2027-04-05"), date("2027-04-12"),
			[]string{"period.end: must not be before period.start"}},
		{"181 days", date("2027-03-02"), date("2027-03-02").AddDate(0, 0, 180), date("2027-03-05"), date("2027-03-12"),
			[]string{"period.end: the period must be at most 180 days"}},
		{"booking from missing", date("2027-03-02"), date("2027-03-20"), none, date("2027-03-12"),
			[]string{"training_areas[0].from: is required"}},
		{"booking to missing", date("2027-03-02"), date("2027-03-20"), date("2027-03-05"), none,
			[]string{"training_areas[0].to: is required"}},
		{"booking both missing", date("2027-03-02"), date("2027-03-20"), none, none,
			[]string{"training_areas[0].from: is required", "training_areas[0].to: is required"}},
		{"booking from missing, to after the period", date("2027-03-02"), date("2027-03-20"), none, date("2027-04-12"),
			[]string{"training_areas[0].from: is required"}},
		{"booking to before from", date("2027-03-02"), date("2027-03-20"), date("2027-03-12"), date("2027-03-05"),
			[]string{"training_areas[0].to: must not be before from"}},
		{"booking outside the period", date("2027-03-02"), date("2027-03-20"), date("2027-03-05"), date("2027-04-12"),
			[]string{"training_areas[0]: the dates must be inside the period"}},
		{"booking before the period", date("2027-03-02"), date("2027-03-20"), date("2027-02-25"), date("2027-03-12"),
			[]string{"training_areas[0]: the dates must be inside the period"}},
		{"booking outside a period too long", date("2027-03-02"), date("2027-03-02").AddDate(0, 0, 180), date("2027-02-05"), date("2027-03-12"),
			[]string{"period.end: the period must be at most 180 days", "training_areas[0]: the dates must be inside the period"}},
		{"booking with the period's start missing", none, date("2027-03-20"), date("2027-02-05"), date("2027-03-12"),
			[]string{"period.start: is required"}},
		// The days lie in the service's calendar, 2000-01-01 to 2099-12-31
		// (0001-01-01 given is refused as outside it by ParseCalendarDay,
		// before it would read as zero, not given): a day outside is named
		// and measured against nothing.
		{"start before the calendar", date("1999-12-31"), date("2000-01-10"), date("2000-01-02"), date("2000-01-03"),
			[]string{"period.start: " + OutsideCalendar}},
		{"start 0001-01-02", date("0001-01-02"), date("2027-03-20"), date("2027-03-05"), date("2027-03-12"),
			[]string{"period.start: " + OutsideCalendar}},
		{"end after the calendar, booking outside the period", date("2099-12-20"), date("2100-01-01"), date("2027-03-05"), date("2027-03-12"),
			[]string{"period.end: " + OutsideCalendar}},
		{"both outside the calendar", date("1999-12-01"), date("2100-01-01"), date("2027-03-05"), date("2027-03-12"),
			[]string{"period.start: " + OutsideCalendar, "period.end: " + OutsideCalendar}},
		{"first and last days of the calendar", FirstCalendarDay, FirstCalendarDay.AddDate(0, 0, 10), FirstCalendarDay, FirstCalendarDay, nil},
		{"booking from before the calendar", date("2000-01-01"), date("2000-01-20"), date("1999-12-31"), date("2000-01-12"),
			[]string{"training_areas[0].from: " + OutsideCalendar}},
		{"booking to after the calendar", date("2099-12-01"), date("2099-12-31"), date("2099-12-05"), date("2100-01-01"),
			[]string{"training_areas[0].to: " + OutsideCalendar}},
	} {
		d := validDetails()
		d.Period = Period{Start: c.start, End: c.end}
		d.TrainingAreas[0].From, d.TrainingAreas[0].To = c.from, c.to
		got := errsOf(t, ValidateDetails(d, testReference()), func(f string) bool {
			return f == "period.start" || f == "period.end" || f == "training_areas[0]" ||
				f == "training_areas[0].from" || f == "training_areas[0].to"
		})
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestValidateMovementInCalendar: a movement's time lies on a day, in
// Stockholm, of the service's calendar; one outside is named as such, not
// as missing and not as outside the period (ParseCalendarTime refuses a
// given 0001-01-01T00:00:00Z, Go's zero time, before it would read as not
// given). A period outside the calendar measures no movement.
func TestValidateMovementInCalendar(t *testing.T) {
	for _, c := range []struct {
		name   string
		period Period
		at     time.Time
		want   []string
	}{
		{"in the period", Period{date("2027-03-02"), date("2027-03-20")}, time.Date(2027, 3, 2, 8, 0, 0, 0, time.UTC), nil},
		{"not given", Period{date("2027-03-02"), date("2027-03-20")}, time.Time{}, []string{"movements[0].at: is required"}},
		{"0001-01-01T00:00:01Z", Period{date("2027-03-02"), date("2027-03-20")}, time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
			[]string{"movements[0].at: " + OutsideCalendarTime}},
		{"before 2000 in Stockholm", Period{date("2027-03-02"), date("2027-03-20")}, time.Date(1999, 12, 31, 22, 59, 0, 0, time.UTC),
			[]string{"movements[0].at: " + OutsideCalendarTime}},
		{"2000 in Stockholm, 1999 in UTC", Period{FirstCalendarDay, FirstCalendarDay.AddDate(0, 0, 3)}, time.Date(1999, 12, 31, 23, 30, 0, 0, time.UTC), nil},
		{"after 2099", Period{date("2027-03-02"), date("2027-03-20")}, time.Date(2100, 1, 1, 12, 0, 0, 0, time.UTC),
			[]string{"movements[0].at: " + OutsideCalendarTime}},
		{"outside the period", Period{date("2027-03-02"), date("2027-03-20")}, time.Date(2027, 4, 2, 8, 0, 0, 0, time.UTC),
			[]string{"movements[0].at: must fall on a day of the period 2027-03-02 to 2027-03-20 (Stockholm time)"}},
		{"a period outside the calendar", Period{date("1999-12-01"), date("1999-12-20")}, time.Date(2027, 4, 2, 8, 0, 0, 0, time.UTC), nil},
	} {
		d := validDetails()
		d.Period = c.period
		d.TrainingAreas = nil
		d.Movements = d.Movements[:1]
		d.Movements[0].At = c.at
		got := errsOf(t, ValidateDetails(d, testReference()), func(f string) bool { return f == "movements[0].at" })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestValidateDelegationEnds: an ends in the past is its own error, told
// from those that compare ends with starts, so that the console can leave
// out the comparisons with a starts it could not read and keep it.
func TestValidateDelegationEnds(t *testing.T) {
	now := time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC)
	p := Principal{Subject: "hns", Roles: []Role{RoleHNS}}
	to := &User{Username: "x", Roles: []Role{RoleMinistry}}
	day := 24 * time.Hour
	for _, c := range []struct {
		name         string
		starts, ends time.Time
		want         []string
	}{
		{"from now for a week", now, now.Add(7 * day), nil},
		{"not given", now, time.Time{}, []string{"ends: is required"}},
		{"in the past", now, now.Add(-day), []string{"ends: " + EndsInPast}},
		{"now", now, now, []string{"ends: " + EndsInPast}},
		{"in the past, starts later", now.Add(day), now.Add(-day), []string{"ends: " + EndsInPast}},
		{"before a later starts", now.Add(7 * day), now.Add(day), []string{"ends: " + EndsBeforeStarts}},
		{"at starts", now.Add(7 * day), now.Add(7 * day), []string{"ends: " + EndsBeforeStarts}},
		{"367 days", now, now.Add(367 * day), []string{"ends: " + DelegationTooLong}},
		{"366 days", now, now.Add(366 * day), nil},
	} {
		in := DelegationInput{To: "x", Role: RoleHNS, Starts: c.starts, Ends: c.ends}
		got := errsOf(t, validateDelegation(p, in, to, now), func(string) bool { return true })
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}
