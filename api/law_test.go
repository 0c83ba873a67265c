package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/policies"
)

// The law as tested policy, through the real server: the default policy's
// example cases, the warship inside a framework agreement, lead times, and
// separation of duties over a request's whole life.

// TestPolicyCasesThroughServer runs every example case shipped with the
// default policy through POST /api/v1/policy/evaluate, with the server's
// clock at the case's, and any framework agreement created by an
// administrator first: the server answers what `exaccess policy test` says.
func TestPolicyCasesThroughServer(t *testing.T) {
	cases, err := policies.DefaultCases()
	if err != nil {
		t.Fatal(err)
	}
	forEachDB(t, func(t *testing.T, e *env) {
		for i, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				e.clock = func() time.Time { return c.Now }
				defer func() { e.clock = func() time.Time { return testNow } }()
				var body map[string]any
				if err := json.Unmarshal(c.Request, &body); err != nil {
					t.Fatal(err)
				}
				if c.Framework != nil {
					body["framework_id"] = e.createFramework(frameworkBody(c.Framework, i))
				}
				body["nation"] = c.Nation
				r := e.do("ops", http.MethodPost, "/api/v1/policy/evaluate", body)
				want(t, r, http.StatusOK)
				ev, exp := evaluationFrom(t, r), c.Expect
				if !ev.Result.Eligible {
					// The server shows no route for a request it would refuse.
					exp.Stages, exp.Approvals, exp.Reasons = []string{}, nil, nil
				}
				for _, d := range exp.Check(ev) {
					t.Errorf("%s", d)
				}
			})
		}
	})
}

func frameworkBody(f *domain.Framework, i int) map[string]any {
	return map[string]any{"nation": f.Nation, "name": "example case", "reference": fmt.Sprintf("%s-case%d", f.Reference, i),
		"valid_from": domain.DateString(f.ValidFrom), "valid_until": domain.DateString(f.ValidUntil),
		"training_areas": f.TrainingAreas, "entry_points": f.EntryPoints, "personnel_ceiling": f.PersonnelCeiling,
		"live_fire": f.LiveFire, "dangerous_goods": f.DangerousGoods, "suspended": f.Suspended}
}

// evaluationFrom reads the dry run's answer back into the domain's shape.
func evaluationFrom(t *testing.T, r resp) domain.Evaluation {
	t.Helper()
	var out evaluateResponse
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	res := domain.RoutingResult{PolicyVersion: out.PolicyVersion, Eligible: out.Eligible, FastTrack: out.FastTrack}
	for _, e := range out.Eligibility {
		res.Eligibility = append(res.Eligibility, domain.RuleResult{Rule: e.Rule, Passed: e.Passed, Reason: e.Reason})
	}
	if out.Route != nil {
		res.Reasons = out.Route.Reasons
		for _, s := range out.Route.Stages {
			res.Stages = append(res.Stages, domain.PlannedStage{ID: s.ID, ApprovalsRequired: s.ApprovalsRequired})
		}
	}
	for _, w := range out.Warnings {
		res.Warnings = append(res.Warnings, domain.Warning{Code: w.Code, Message: w.Message})
	}
	return domain.Evaluation{Result: res}
}

// TestWarshipInFrameworkJourney is the defect of issue 10 as a journey: a
// Norwegian request inside FA-NO-2026-01 with a warship used to be approved
// by one intake decision. A framework agreement cannot cover a warship: the
// request takes the full route, and only operations and two ministry
// officials together authorize the unit to move.
func TestWarshipInFrameworkJourney(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		fw := e.createFramework(norwayFramework())
		body := with(inFramework(fw), "vessels", []any{map[string]any{"name": "KNM Fridtjof Nansen", "kind": "warship", "crew": 120}})
		body = with(body, "aircraft", []any{map[string]any{"type": "F-35A", "count": 8, "armed": true}})
		id, tag := e.submitted(body)
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
		route := got.JSON(t)["route"].(map[string]any)
		if route["fast_track"] != false {
			t.Fatalf("a warship took the fast track: %v", route)
		}
		if st := stageStatuses(t, got); len(st) != 4 || st["operations"] != "pending" || st["ministry"] != "pending" {
			t.Fatalf("route %v, want intake, range_safety, operations and ministry", st)
		}
		for _, s := range route["stages"].([]any) {
			if m := s.(map[string]any); m["id"] == "ministry" && m["approvals_required"].(float64) != 2 {
				t.Errorf("ministry needs %v approvals, want 2", m["approvals_required"])
			}
		}
		for _, why := range []string{"a framework agreement cannot cover warships", "cannot cover armed combat aircraft"} {
			if !hasWarning(got.JSON(t), "framework_not_applicable", why) {
				t.Errorf("no framework_not_applicable warning saying %q: %v", why, got.JSON(t)["warnings"])
			}
		}
		steps := []struct{ as, stage string }{
			{"hns", "intake"}, {"range", "range_safety"}, {"ops", "operations"}, {"gov", "ministry"}, {"gov2", "ministry"},
		}
		for i, s := range steps {
			r := e.decide(s.as, id, tag, s.stage, "approve", "checked")
			want(t, r, http.StatusOK)
			tag = r.Header.Get("ETag")
			last := i == len(steps)-1
			if authorized := r.JSON(t)["movement_authorized"] == true; authorized != last {
				t.Fatalf("after %s approved %s: movement_authorized = %v", s.as, s.stage, authorized)
			}
			if !last && r.JSON(t)["status"] != "in_review" {
				t.Fatalf("after %s: status %v", s.as, r.JSON(t)["status"])
			}
		}
	})
}

// leadTimeDraft is draft() moved to a period starting on start, with its
// movements and area inside it.
func leadTimeDraft(start string) map[string]any {
	d := with(draft(), "period", map[string]any{"start": start, "end": "2026-12-11"})
	d = with(d, "movements", []any{map[string]any{"direction": "entry", "entry_point": "storlien", "at": start + "T08:00:00Z", "mode": "road"}})
	return with(d, "training_areas", []any{map[string]any{"area": "ravlunda", "from": "2026-12-07", "to": "2026-12-09"}})
}

// Submit refuses short notice naming the earliest start that would be
// accepted, and accepts that start with a decision_after_start warning.
// The server's clock is Monday 23 November 2026, 10:00 in Stockholm.
func TestLeadTimeThroughServer(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no", leadTimeDraft("2026-11-26")) // Thursday 00:00: 62 hours
		r := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag)
		wantProblem(t, r, 422, "not_eligible")
		if !strings.Contains(string(r.Body), "the earliest start that would be accepted is 2026-11-27") {
			t.Fatalf("refusal names no earliest start: %s", r.Body)
		}
		id, _ = e.submitted(leadTimeDraft("2026-11-27"))
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
		// intake is due Wed 25, range_safety and operations Mon 30: after
		// Friday's start. The warning names the stage in words.
		if !hasWarning(got, domain.CodeDecisionAfterStart, "the decision may come after the period starts on 2026-11-27: "+
			"the range safety review by the Swedish Armed Forces' range and training-area officer is due on 2026-11-30; "+
			"the unit may not move before the request is approved") || hasWarning(got, domain.CodeDecisionAfterStart, "range_safety") {
			t.Fatalf("warnings %v", got["warnings"])
		}
	})
}

// TestSeparationOfDutiesAcrossRounds: ops approves operations in round 1,
// range asks for changes; after the resubmission ops, acting for range by
// delegation, may not decide range_safety — in any round, nobody decides two
// stages of one request. Deciding one's own stage again is a fresh review.
func TestSeparationOfDutiesAcrossRounds(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		for _, s := range []struct{ as, stage, outcome string }{
			{"hns", "intake", "approve"}, {"ops", "operations", "approve"}, {"range", "range_safety", "request_changes"},
		} {
			r := e.decide(s.as, id, tag, s.stage, s.outcome, "round 1")
			want(t, r, http.StatusOK)
			tag = r.Header.Get("ETag")
		}
		p := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"purpose": "Winter training, range plan attached"}, "If-Match", tag)
		want(t, p, http.StatusOK)
		s := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", p.Header.Get("ETag"))
		want(t, s, http.StatusOK)
		tag = s.Header.Get("ETag")
		r := e.decide("hns", id, tag, "intake", "approve", "round 2")
		want(t, r, http.StatusOK)
		tag = r.Header.Get("ETag")

		want(t, e.do("range", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "ops", "role": "range_officer", "ends": "2026-12-01T00:00:00Z"}), 201)
		if q := e.do("ops", http.MethodGet, "/api/v1/queue?role=range_officer", nil).JSON(t)["items"].([]any); len(q) != 0 {
			t.Errorf("ops's queue offers range_safety of a request whose operations ops decided: %v", q)
		}
		r = e.decide("ops", id, tag, "range_safety", "approve", "acting for range")
		wantProblem(t, r, 403, "separation_of_duties")
		if !strings.Contains(string(r.Body), "earlier review round") {
			t.Errorf("the refusal does not say why: %s", r.Body)
		}
		// ops decides operations again (its own stage, a fresh review), range its own.
		for _, s := range []struct{ as, stage string }{{"ops", "operations"}, {"range", "range_safety"}} {
			r = e.decide(s.as, id, tag, s.stage, "approve", "round 2")
			want(t, r, http.StatusOK)
			tag = r.Header.Get("ETag")
		}
		if r.JSON(t)["status"] != "approved" {
			t.Fatalf("status %v", r.JSON(t)["status"])
		}
	})
}
