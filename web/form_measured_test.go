package web

import (
	"net/http"
	"net/url"
	"testing"

	"exaccess/domain"
)

// TestRequestUnreadFieldMeasuresNothing: a count typed wrong is left zero
// for the domain's check of the rest, and the personnel total measured
// with that zero is no error of what was typed; a first day typed wrong
// does not hide that the last day is missing (the domain names each
// missing day), nor a booking's first day its last; and with the total
// left out, the period's timing is checked as when nothing else is wrong.
func TestRequestUnreadFieldMeasuresNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		lo := e.client().signIn("lo-no")
		f := validForm()
		f.Set("personnel.military", "1O")
		f.Del("personnel.civilian")
		f.Del("personnel.contractors")
		f.Set("period.start", "2027-02-30")
		f.Set("period.end", "")
		f.Set("training_areas[0].from", "5 March")
		f.Set("training_areas[0].to", "")
		p := lo.post("/requests/new", withValue(f, "action", "save"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantSummary(t, p, []string{"First day: " + msg("form.notdate"), "Military: " + msg("form.notnumber"),
			"Last day: is required", "Booking 1 – From: " + msg("form.notdate"), "Booking 1 – To: is required"},
			[]string{"Personnel: the total must be at least 1", "First day: is required", "Booking 1 – From: is required"})

		f = validForm()
		f.Set("personnel.military", "many")
		f.Del("personnel.civilian")
		f.Del("personnel.contractors")
		f.Set("period.start", "2026-03-01")
		f.Set("period.end", "2026-03-10") // before testNow: the period has ended
		f.Set("movements[0].at", "2026-03-01 09:00")
		f.Set("movements[1].at", "2026-03-10 17:00")
		f.Del("training_areas[0].area")
		f.Del("training_areas[0].from")
		f.Del("training_areas[0].to")
		p = lo.post("/requests/new", withValue(f, "action", "dryrun"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		wantSummary(t, p, []string{"Military: " + msg("form.notnumber"), "Last day: the period has already ended"},
			[]string{"Personnel: the total must be at least 1"})
		if got := lo.get("/requests").Doc.Find("tbody tr").Length(); got != 0 {
			t.Fatalf("%d requests stored from bad forms", got)
		}
	})
}

// TestDelegationUnreadStartsMeasuresNothing: a first day typed wrong is
// checked as "now", and the last day's errors measured from now (too
// long, before the first day) are no errors of the days typed; the last
// day's own errors stay: in the past, not given.
func TestDelegationUnreadStartsMeasuresNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		hns := e.client().signIn("hns")
		post := func(starts, ends string) page {
			return hns.post("/delegations", url.Values{"to": {"range"}, "role": {"hns_officer"}, "starts": {starts}, "ends": {ends}})
		}
		starts := "Starts: " + msg("form.notdate")
		measuredFromNow := []string{"Ends: " + domain.DelegationTooLong, "Ends: " + msg("deleg.endsbefore")}
		for _, tc := range []struct {
			starts, ends string
			want         []string
		}{
			{"x", "2027-12-05", []string{starts}},
			{"2026-13-01", "2026-12-05", []string{starts}},
			{"2026-13-01", "2026-11-01", []string{starts, "Ends: " + domain.EndsInPast}},
			{"x", "", []string{starts, "Ends: is required"}},
		} {
			p := post(tc.starts, tc.ends)
			wantStatus(t, p, http.StatusUnprocessableEntity)
			wantSummary(t, p, tc.want, measuredFromNow)
			if got := summary(p); len(got) != len(tc.want) {
				t.Errorf("starts %q, ends %q: the summary says %q, want %q", tc.starts, tc.ends, got, tc.want)
			}
		}
		// A first day read is still measured against.
		p := post("2026-12-10", "2026-12-05")
		wantSummary(t, p, []string{"Ends: " + msg("deleg.endsbefore")}, nil)
		p = post("", "2027-12-05")
		wantSummary(t, p, []string{"Ends: " + domain.DelegationTooLong}, nil)
	})
}
