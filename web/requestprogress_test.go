package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/PuerkitoBio/goquery"
)

// stageLine is the text of the route list's item of the stage whose role
// reads role, in single spaces.
func stageLine(t *testing.T, p page, role string) string {
	t.Helper()
	wantStatus(t, p, http.StatusOK)
	var out string
	p.Doc.Find("ol.route > li").Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Find("strong").First().Text()) == role {
			out = strings.Join(strings.Fields(s.Text()), " ")
		}
	})
	if out == "" {
		t.Fatalf("no stage %q in the route: %s", role, strings.Join(strings.Fields(p.Doc.Find("ol.route").Text()), " "))
	}
	return out
}

// TestRequestPageStageApprovals: a stage in progress says how many
// approvals it has of those it needs, to every reader of the page: the
// ministry stage, after its first approval, reads "1 of 2 approvals"
// rather than only "In progress".
func TestRequestPageStageApprovals(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no := e.client().signIn("lo-no")
		big := withValue(withValue(validForm(), "personnel.military", "3100"), "action", "submit")
		id := requestID(t, no.post("/requests/new", big))
		if got := stageLine(t, no.get("/requests/"+id), "Host nation support (intake)"); !strings.Contains(got, "In progress, 0 of 1 approval;") {
			t.Errorf("intake at submission: %q", got)
		}
		e.approveAll(id)
		e.decideAs("gov", domain.RoleMinistry, id, domain.DecisionInput{Stage: "ministry", Outcome: domain.OutcomeApprove})
		for _, who := range []string{"lo-no", "gov2", "ops", "auditor"} {
			got := stageLine(t, e.client().signIn(who).get("/requests/"+id), "Ministry")
			if !strings.Contains(got, "Ministry — In progress, 1 of 2 approvals;") {
				t.Errorf("%s reads the ministry stage as %q", who, got)
			}
		}
		if got := stageLine(t, no.get("/requests/"+id), "Operations"); strings.Contains(got, " of 1 approval") {
			t.Errorf("a stage no longer in progress counts approvals: %q", got)
		}
	})
}

// TestRequestPageStageDeadlines: a stage that has not started shows its
// deadline as an estimate, made at submission as if the stages before it
// took their full time, and says that its deadline is set when it starts;
// a started stage shows the binding deadline, counted from its start.
// With a fixed clock: submitted Monday 23 November 2026, intake (2 working
// days) is due Wednesday 25th; range safety and operations (3 working
// days) are estimated for Monday 30th, and so is the whole review; intake
// approved on the Monday gives them Thursday 26th — earlier, and no longer
// called an estimate — and the whole review is due with them.
func TestRequestPageStageDeadlines(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		e.clock = func() time.Time { return now }
		no := e.client().signIn("lo-no")
		id := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit")))
		p := no.get("/requests/" + id)
		if got := stageLine(t, p, "Host nation support (intake)"); !strings.Contains(got, "Due 2026-11-25 23:59 CET (Stockholm)") || strings.Contains(got, "estimate") {
			t.Errorf("intake: %q", got)
		}
		for _, role := range []string{"Range safety", "Operations"} {
			want := "Waiting; expected by 2026-11-30 23:59 CET (Stockholm) (an estimate: this stage's deadline is set when it starts, 3 working days from then)"
			if got := stageLine(t, p, role); !strings.Contains(got, want) {
				t.Errorf("%s before intake: %q, want %q", role, got, want)
			}
		}
		if got := strings.Join(strings.Fields(p.Doc.Find("ol.route").Prev().Text()), " "); !strings.HasPrefix(got, "Decision expected by: 2026-11-30 23:59 CET (Stockholm) (an estimate") {
			t.Errorf("the whole review: %q", got)
		}
		e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
		p = no.get("/requests/" + id)
		for _, role := range []string{"Range safety", "Operations"} {
			if got := stageLine(t, p, role); !strings.Contains(got, "In progress, 0 of 1 approval; Due 2026-11-26 23:59 CET (Stockholm)") || strings.Contains(got, "estimate") {
				t.Errorf("%s after intake: %q", role, got)
			}
		}
		if got := strings.Join(strings.Fields(p.Doc.Find("ol.route").Prev().Text()), " "); got != "Decision due: 2026-11-26 23:59 CET (Stockholm)" {
			t.Errorf("the whole review once every stage started: %q", got)
		}
	})
}

// TestRequestPageWaitingStageReEstimated: a stage still waiting is
// estimated again when the stages before it start, from their deadlines,
// and its "expected by" and the whole review's say so. Submitted Monday 23
// November 2026 with more than 3,000 personnel (so ministry, 5 working
// days, decides last): range safety and operations are estimated for
// Monday 30th, ministry for Monday 7 December. Intake approved late, on
// Wednesday 2 December, gives range safety and operations Monday 7th, and
// ministry is expected by Monday 14th.
func TestRequestPageWaitingStageReEstimated(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		e.clock = func() time.Time { return now }
		no := e.client().signIn("lo-no")
		id := requestID(t, no.post("/requests/new", withValue(withValue(validForm(), "personnel.military", "3100"), "action", "submit")))
		expected := func(day string) string {
			return "Waiting; expected by " + day + " 23:59 CET (Stockholm) (an estimate: this stage's deadline is set when it starts, 5 working days from then)"
		}
		whole := func(p page) string { return strings.Join(strings.Fields(p.Doc.Find("ol.route").Prev().Text()), " ") }
		p := no.get("/requests/" + id)
		if got := stageLine(t, p, "Ministry"); !strings.Contains(got, expected("2026-12-07")) {
			t.Errorf("ministry at submission: %q, want %q", got, expected("2026-12-07"))
		}
		if got := whole(p); !strings.HasPrefix(got, "Decision expected by: 2026-12-07 23:59 CET (Stockholm) (an estimate") {
			t.Errorf("the whole review at submission: %q", got)
		}
		now = time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
		e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
		p = e.client().signIn("lo-no").get("/requests/" + id) // the first session has ended
		if got := stageLine(t, p, "Range safety"); !strings.Contains(got, "Due 2026-12-07 23:59 CET (Stockholm)") {
			t.Errorf("range safety after intake: %q", got)
		}
		if got := stageLine(t, p, "Ministry"); !strings.Contains(got, expected("2026-12-14")) {
			t.Errorf("ministry after a late intake: %q, want %q", got, expected("2026-12-14"))
		}
		if got := whole(p); !strings.HasPrefix(got, "Decision expected by: 2026-12-14 23:59 CET (Stockholm) (an estimate") {
			t.Errorf("the whole review after a late intake: %q", got)
		}
	})
}

// TestRequestPageWarningsOnce: an approver reads the capacity sentence of a
// request once, under "Conflicts" (the bookings as they are now), not again
// under "Warnings"; every sentence names the area as the rest of the
// console does, "Ravlunda skjutfält", not by its code.
func TestRequestPageWarningsOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, de := e.client().signIn("lo-no"), e.client().signIn("lo-de")
		requestID(t, no.post("/requests/new", withValue(withValue(validForm(), "personnel.military", "800"), "action", "submit")))
		id := requestID(t, de.post("/requests/new", withValue(validForm(), "action", "submit")))
		p := e.client().signIn("ops").get("/requests/" + id)
		wantStatus(t, p, http.StatusOK)
		main := strings.Join(strings.Fields(p.Doc.Find("main").Text()), " ")
		if n := strings.Count(main, "would exceed its capacity"); n != 1 {
			t.Errorf("the approver's page has the capacity sentence %d times: %s", n, main)
		}
		conflicts := strings.Join(strings.Fields(p.Doc.Find("main h2:contains('Conflicts') + ul").Text()), " ")
		// A sentence of its own, capitalised, its days worded as the
		// liaison officer's are.
		if !strings.HasPrefix(conflicts, "Training area Ravlunda skjutfält would exceed its capacity of 1200") ||
			!strings.HasSuffix(conflicts, " on 5–12 March 2027") {
			t.Errorf("the approver's conflicts: %q", conflicts)
		}
		lo := de.get("/requests/" + id)
		warnings := strings.Join(strings.Fields(lo.Doc.Find("main h2:contains('Warnings') + ul").Text()), " ")
		if !strings.Contains(warnings, "Ravlunda skjutfält would be over capacity on 5–12 March 2027") {
			t.Errorf("the liaison officer's warnings: %q", warnings)
		}
		for _, page := range []page{p, lo} {
			if txt := page.Doc.Find("main").Text(); strings.Contains(txt, "ravlunda") {
				t.Errorf("a page names the area by its code: %s", strings.Join(strings.Fields(txt), " "))
			}
		}
	})
}

// TestBlackoutOverBookings: an administrator who closes days of an area
// that approved and in-review requests book is told which (references,
// status, days); the liaison officer of such a request reads on its page
// that the area is closed on their own booked days, and, the request
// being approved, that the permit still lists them; an approver reads the
// same about the permit. An address naming days that are not blackout
// days names no request.
func TestBlackoutOverBookings(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, de := e.client().signIn("lo-no"), e.client().signIn("lo-de")
		approved := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.approveAll(approved)
		later := withValue(withValue(validForm(), "training_areas[0].from", "2027-03-08"), "training_areas[0].to", "2027-03-15")
		inReview := requestID(t, de.post("/requests/new", withValue(later, "action", "submit")))
		ref := func(id string) string {
			r, err := e.requests.GetRequest(t.Context(), domain.Principal{Subject: "ops", Roles: []domain.Role{domain.RoleOperations}}, id)
			if err != nil {
				t.Fatal(err)
			}
			return r.Reference
		}

		a := e.client().signIn("admin")
		saved := a.post("/admin/areas/ravlunda", url.Values{"version": {"1"}, "capacity_personnel": {"1200"},
			"blackout_days": {"2027-03-07\n2027-03-08\n2027-04-01"}})
		if saved.Status != http.StatusSeeOther {
			t.Fatalf("save: %d", saved.Status)
		}
		admin := a.follow(saved)
		if got := strings.TrimSpace(admin.Doc.Find(".notice").Text()); got != "Training area Ravlunda skjutfält saved." {
			t.Errorf("notice: %q", got)
		}
		closes := strings.Join(strings.Fields(admin.Doc.Find("#closes").Text()), " ")
		for _, want := range []string{ref(approved) + " (Approved): 2027-03-07, 2027-03-08", ref(inReview) + " (In review): 2027-03-08"} {
			if !strings.Contains(closes, want) {
				t.Errorf("the save's warning %q lacks %q", closes, want)
			}
		}
		if n := admin.Doc.Find("#closes li").Length(); n != 2 {
			t.Errorf("the save's warning names %d requests, want 2: %q", n, closes)
		}
		if n := a.get("/admin?saved_area=ravlunda&closed=2027-03-09,2027-03-10").Doc.Find("#closes").Length(); n != 0 {
			t.Error("days that are not blackout days name the requests booking them")
		}
		if n := a.get("/admin?saved_area=ravlunda").Doc.Find("#closes").Length(); n != 0 {
			t.Error("a save that closed nothing new names requests")
		}

		closed := func(c *client, id string) string {
			p := c.get("/requests/" + id)
			wantStatus(t, p, http.StatusOK)
			return strings.Join(strings.Fields(p.Doc.Find("#closed").Text()), " ")
		}
		got := closed(no, approved)
		if !strings.Contains(got, "Ravlunda skjutfält is closed (blackout) on 7–8 March 2027") ||
			!strings.Contains(got, "The permit was signed at approval and still lists these days, but the area is closed on them") {
			t.Errorf("the approved request's liaison officer reads %q", got)
		}
		got = closed(de, inReview)
		if !strings.Contains(got, "Ravlunda skjutfält is closed (blackout) on 8 March 2027") || strings.Contains(got, "permit") ||
			strings.Contains(got, ref(approved)) || strings.Contains(got, "7") && !strings.Contains(got, "2027") {
			t.Errorf("the request in review's liaison officer reads %q", got)
		}
		if got := closed(e.client().signIn("ops"), approved); !strings.Contains(got, "the area is closed on them despite the permit") {
			t.Errorf("the approver reads %q", got)
		}
	})
}
