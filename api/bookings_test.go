package api

import (
	"net/http"
	"testing"
)

// TestBookingDates: an area's calendar takes the dates it is given or, when
// one is not given, its default (today, and 90 days on); a date outside
// 2000-01-01 to 2099-12-31 is refused naming the field — 0001-01-01 used to
// be read as "not given" and answered today's calendar.
func TestBookingDates(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/bookings.db")
	const path = "/api/v1/training-areas/ravlunda/bookings"
	refused := map[string]string{
		"?from=0001-01-01":                   "from",
		"?to=0001-01-01":                     "to",
		"?from=0001-01-01&to=2027-01-01":     "from",
		"?from=1999-12-31&to=2000-01-10":     "from",
		"?from=2099-12-01&to=2100-01-01":     "to",
		"?from=9999-12-31":                   "from",
		"?from=9999-12-31&to=9999-12-31":     "from",
		"?from=2027-01-01&to=2026-12-31":     "to",
		"?from=2027-01-01&to=2028-01-03":     "to",
		"?from=2027-13-01":                   "from",
		"?from=2027-01-01&to=2027-01-01T00Z": "to",
	}
	for q, field := range refused {
		wantProblem(t, e.do("ops", http.MethodGet, path+q, nil), 422, "invalid", field)
	}
	// A from outside the calendar with no to is that one field's fault: the
	// default to does not draw an error of its own.
	if errs := e.do("ops", http.MethodGet, path+"?from=0001-01-01", nil).JSON(t)["errors"].([]any); len(errs) != 1 {
		t.Errorf("from=0001-01-01 alone names %d fields, want from only: %v", len(errs), errs)
	}
	given := map[string][2]string{
		"":                               {"2026-11-23", "2027-02-21"},
		"?from=2027-03-01":               {"2027-03-01", "2027-05-30"},
		"?from=2000-01-01&to=2000-12-31": {"2000-01-01", "2000-12-31"},
		"?from=2099-12-31":               {"2099-12-31", "2099-12-31"},
	}
	for q, days := range given {
		r := e.do("ops", http.MethodGet, path+q, nil)
		want(t, r, 200)
		if got := r.JSON(t); got["from"] != days[0] || got["to"] != days[1] {
			t.Errorf("%s: from %v to %v, want %s to %s", q, got["from"], got["to"], days[0], days[1])
		}
	}
}
