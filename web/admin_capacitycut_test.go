package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestCapacityCutNotice: an administrator who lowers an area's capacity
// below what approved requests and requests in review book is told, on the
// save's notice, the days approved requests alone exceed it and the days
// only the requests in review take it over, worded as ranges; a raise
// tells nothing, and an address whose days do not parse words none.
func TestCapacityCutNotice(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, de := e.client().signIn("lo-no"), e.client().signIn("lo-de")
		approved := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit"))) // 465 personnel, 5-12 March
		e.approveAll(approved)
		later := withValue(withValue(validForm(), "training_areas[0].from", "2027-03-11"), "training_areas[0].to", "2027-03-14")
		requestID(t, de.post("/requests/new", withValue(later, "action", "submit")))

		a := e.client().signIn("admin")
		save := func(version, capacity string) page {
			t.Helper()
			saved := a.post("/admin/areas/ravlunda", url.Values{"version": {version}, "capacity_personnel": {capacity}, "blackout_days": {""}})
			if saved.Status != http.StatusSeeOther {
				t.Fatalf("save: %d", saved.Status)
			}
			return a.follow(saved)
		}
		admin := save("1", "400")
		if got := strings.TrimSpace(admin.Doc.Find(".notice").Text()); got != "Training area Ravlunda skjutfält saved." {
			t.Errorf("notice: %q", got)
		}
		over := strings.Join(strings.Fields(admin.Doc.Find("#overcapacity").Text()), " ")
		for _, want := range []string{
			"The new capacity is below what is booked",
			"Approved requests book more personnel than the new capacity on 5–12 March 2027.",
			"Together with requests in review, bookings exceed the new capacity on 13–14 March 2027.",
			"Nobody is notified and approved permits stand.",
		} {
			if !strings.Contains(over, want) {
				t.Errorf("the save's warning %q lacks %q", over, want)
			}
		}
		if n := admin.Doc.Find("#overcapacity li").Length(); n != 2 {
			t.Errorf("the save's warning has %d sentences, want 2: %q", n, over)
		}

		if n := save("2", "2000").Doc.Find("#overcapacity").Length(); n != 0 {
			t.Error("a raise tells days over capacity")
		}
		if n := a.get("/admin?saved_area=ravlunda&over=2027-13-01,2027-03-05..2027-03-01").Doc.Find("#overcapacity").Length(); n != 0 {
			t.Error("days that do not parse are worded")
		}
	})
}
