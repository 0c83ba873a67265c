package api

import (
	"net/http"
	"testing"

	"exaccess/domain"
)

// TestRequestDatesInCalendar: a request's days (its period, its bookings)
// and its movements' times lie in the service's calendar, 2000-01-01 to
// 2099-12-31. A day given as 0001-01-01 (Go's zero time, which the
// validation reads as "not given") is refused as outside it, naming the
// field, not as "is required"; so is a movement at 0001-01-01T00:00:00Z, in
// any offset, and a day or time just outside the range. A day not given is
// still "is required". On creation and on a change alike nothing is
// stored.
func TestRequestDatesInCalendar(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		message := func(r resp, field string) []string {
			var out []string
			for _, f := range r.JSON(t)["errors"].([]any) {
				if m := f.(map[string]any); m["field"] == field {
					out = append(out, m["message"].(string))
				}
			}
			return out
		}
		period := func(start, end string) map[string]any { return map[string]any{"start": start, "end": end} }
		area := func(from, to string) []any {
			return []any{map[string]any{"area": "ravlunda", "from": from, "to": to}}
		}
		movement := func(at string) []any {
			return []any{map[string]any{"direction": "entry", "entry_point": "storlien", "at": at, "mode": "road"}}
		}
		for _, c := range []struct {
			name  string
			body  map[string]any
			field string
			msg   string
		}{
			{"period start 0001-01-01", with(draft(), "period", period("0001-01-01", "2027-03-20")), "period.start", domain.OutsideCalendar},
			{"period end 0001-01-01", with(draft(), "period", period("2027-03-02", "0001-01-01")), "period.end", domain.OutsideCalendar},
			{"period start 1999-12-31", with(draft(), "period", period("1999-12-31", "2027-03-20")), "period.start", domain.OutsideCalendar},
			{"period end 2100-01-01", with(draft(), "period", period("2027-03-02", "2100-01-01")), "period.end", domain.OutsideCalendar},
			{"period start not given", with(draft(), "period", period("", "2027-03-20")), "period.start", "is required"},
			{"booking from 0001-01-01", with(draft(), "training_areas", area("0001-01-01", "2027-03-12")), "training_areas[0].from", domain.OutsideCalendar},
			{"booking to 0001-01-01", with(draft(), "training_areas", area("2027-03-05", "0001-01-01")), "training_areas[0].to", domain.OutsideCalendar},
			{"booking to 9999-12-31", with(draft(), "training_areas", area("2027-03-05", "9999-12-31")), "training_areas[0].to", domain.OutsideCalendar},
			{"movement at 0001-01-01T00:00:00Z", with(draft(), "movements", movement("0001-01-01T00:00:00Z")), "movements[0].at", domain.OutsideCalendarTime},
			{"movement at zero in +01:00", with(draft(), "movements", movement("0001-01-01T01:00:00+01:00")), "movements[0].at", domain.OutsideCalendarTime},
			{"movement at 1999-12-31T12:00:00Z", with(draft(), "movements", movement("1999-12-31T12:00:00Z")), "movements[0].at", domain.OutsideCalendarTime},
			{"movement not given", with(draft(), "movements", movement("")), "movements[0].at", "is required"},
		} {
			r := e.do("lo-no", http.MethodPost, "/api/v1/requests", c.body)
			wantProblem(t, r, 422, "invalid", c.field)
			if got := message(r, c.field); len(got) != 1 || got[0] != c.msg {
				t.Errorf("%s: %s says %q, want only %q", c.name, c.field, got, c.msg)
			}
		}
		if items := e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("%d requests stored from refused bodies", len(items))
		}

		// A change to a stored draft: the same refusal, the draft unchanged.
		id, tag := e.create("lo-no", draft())
		r := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"period": period("0001-01-01", "2027-03-20")}, "If-Match", tag)
		wantProblem(t, r, 422, "invalid", "period.start")
		if got := message(r, "period.start"); len(got) != 1 || got[0] != domain.OutsideCalendar {
			t.Errorf("patch period.start 0001-01-01: %q, want %q", got, domain.OutsideCalendar)
		}
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
		want(t, got, 200)
		if p := got.JSON(t)["period"].(map[string]any); p["start"] != "2027-03-02" || got.Header.Get("ETag") != tag {
			t.Errorf("after a refused change: period %v, ETag %s (was %s)", p, got.Header.Get("ETag"), tag)
		}
	})
}
