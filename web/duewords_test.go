package web

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
)

// TestDryRunDueWords: the dry run words the dates as the request's page
// does. A stage of the first step starts at submission, so its date is
// binding ("Due"); a later step's stages, and the whole review, are
// "expected by", an estimate, since each later step's deadline is counted
// from when it starts. With a fixed clock, Monday 23 November 2026: intake
// due Wednesday 25th, range safety and operations expected by Monday 30th.
func TestDryRunDueWords(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	e.clock = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
	p := e.client().signIn("lo-no").post("/requests/new", withValue(validForm(), "action", "dryrun"))
	wantStatus(t, p, http.StatusOK)
	steps := p.Doc.Find(".route-steps > li")
	if got := strings.Join(strings.Fields(steps.Eq(0).Text()), " "); !strings.HasPrefix(got, "First: Host nation support (intake) — Due 2026-11-25 23:59 CET (Stockholm)") {
		t.Errorf("first step %q", got)
	}
	later := texts(p, ".route-steps > li:nth-child(2) li")
	if len(later) != 2 {
		t.Fatalf("the second step lists %d stages, want range safety and operations: %q", len(later), later)
	}
	for _, got := range later {
		if !strings.Contains(got, " — expected by 2026-11-30 23:59 CET (Stockholm)") || strings.Contains(got, "Due") {
			t.Errorf("a later step's stage %q", got)
		}
	}
	section := strings.Join(strings.Fields(p.Doc.Find("#dryrun-title").Parent().Text()), " ")
	if !strings.Contains(section, "A decision is expected by 2026-11-30 23:59 CET (Stockholm) (an estimate: each later step's deadlines are counted from when it starts") ||
		strings.Contains(section, "due by") {
		t.Errorf("the whole review: %q", section)
	}
}

// TestCancelledStagesShowNoDate: after "Request changes" at intake, the
// stages that never started are cancelled, and show no date — neither the
// estimate they had nor a "Due" — while intake, which ran, keeps its own.
func TestCancelledStagesShowNoDate(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		e.clock = func() time.Time { return time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) }
		no := e.client().signIn("lo-no")
		id := requestID(t, no.post("/requests/new", withValue(validForm(), "action", "submit")))
		e.decideAs("hns", domain.RoleHNS, id, domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeRequestChanges,
			Comment: "Add the convoy route."})
		p := no.get("/requests/" + id)
		for _, role := range []string{"Range safety", "Operations"} {
			if got := stageLine(t, p, role); !strings.HasPrefix(got, role+" — Cancelled") || strings.Contains(got, "2026") {
				t.Errorf("%s, never started: %q", role, got)
			}
		}
		if got := stageLine(t, p, "Host nation support (intake)"); !strings.Contains(got, "Changes requested; Due 2026-11-25 23:59 CET (Stockholm)") {
			t.Errorf("intake: %q", got)
		}
	})
}
