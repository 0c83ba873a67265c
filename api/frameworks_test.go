package api

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	_ "github.com/mattn/go-sqlite3"

	"exaccess/domain"
)

// norwayFramework is the demo's agreement: kilen and arvidsjaur, up to 800
// personnel, no live fire, entry via storlien or riksgransen.
func norwayFramework() map[string]any {
	return map[string]any{"nation": "NO", "name": "Norwegian units in the north", "reference": "FA-NO-2026-01",
		"valid_from": "2026-01-01", "valid_until": "2027-12-31", "training_areas": []any{"kilen", "arvidsjaur"},
		"entry_points": []any{"storlien", "riksgransen"}, "personnel_ceiling": 800, "live_fire": false, "dangerous_goods": false}
}

// inFramework is a request that fits norwayFramework.
func inFramework(frameworkID string) map[string]any {
	d := with(draft(), "weapons", map[string]any{"live_fire": false, "systems": []any{}})
	d = with(d, "training_areas", []any{map[string]any{"area": "kilen", "from": "2027-03-05", "to": "2027-03-12"}})
	return with(d, "framework_id", frameworkID)
}

func (e *env) createFramework(body map[string]any) string {
	e.t.Helper()
	r := e.do("admin", http.MethodPost, "/api/v1/frameworks", body)
	want(e.t, r, http.StatusCreated)
	return r.JSON(e.t)["id"].(string)
}

// TestFastTrack is the streamlined-access promise: a request inside the
// Norwegian framework is approved after a single intake decision; the same
// request with live fire takes the full route and says why.
func TestFastTrack(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		fw := e.createFramework(norwayFramework())
		ev := e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", inFramework(fw))
		want(t, ev, 200)
		if ev.JSON(t)["fast_track"] != true {
			t.Fatalf("dry run: %s", ev.Body)
		}
		id, tag := e.submitted(inFramework(fw))
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
		route := got["route"].(map[string]any)
		stages := route["stages"].([]any)
		if route["fast_track"] != true || len(stages) != 1 || stages[0].(map[string]any)["sla_working_days"].(float64) != 1 {
			t.Fatalf("fast-track route: %v", route)
		}
		r := e.decide("hns", id, tag, "intake", "approve", "inside FA-NO-2026-01")
		want(t, r, 200)
		if r.JSON(t)["status"] != "approved" || r.JSON(t)["movement_authorized"] != true {
			t.Fatalf("after intake: %s", r.Body)
		}

		// With live fire the framework does not cover it: full route, and a warning naming why.
		live := with(inFramework(fw), "weapons", map[string]any{"live_fire": true, "systems": []any{"CV90"}})
		id2, _ := e.submitted(live)
		got = e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id2, nil).JSON(t)
		if n := len(got["route"].(map[string]any)["stages"].([]any)); n != 3 || got["route"].(map[string]any)["fast_track"] != false {
			t.Fatalf("live-fire route has %d stages: %v", n, got["route"])
		}
		if !hasWarning(got, "framework_not_applicable", "live fire not covered") {
			t.Fatalf("warnings %v", got["warnings"])
		}

		// An area the agreement does not list is named as the reference
		// data names it, in the dry run and the stored warning alike.
		south := with(inFramework(fw), "training_areas", []any{map[string]any{"area": "ravlunda", "from": "2027-03-05", "to": "2027-03-12"}})
		ev = e.do("lo-no", http.MethodPost, "/api/v1/policy/evaluate", south)
		want(t, ev, 200)
		if !hasWarning(ev.JSON(t), "framework_not_applicable", "training area Ravlunda skjutfält not covered") {
			t.Fatalf("dry run's warnings %s", ev.Body)
		}
		id3, _ := e.submitted(south)
		if got = e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id3, nil).JSON(t); !hasWarning(got, "framework_not_applicable", "training area Ravlunda skjutfält not covered") {
			t.Fatalf("warnings %v", got["warnings"])
		}
	})
}

func hasWarning(req map[string]any, code, text string) bool {
	for _, w := range req["warnings"].([]any) {
		m := w.(map[string]any)
		if m["code"] == code && strings.Contains(m["message"].(string), text) {
			return true
		}
	}
	return false
}

func TestFrameworkAdministration(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/frameworks", with(with(norwayFramework(), "training_areas", []any{"mordor"}), "valid_until", "2025-01-01")),
			422, "invalid", "training_areas[0]", "valid_until")
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/frameworks", norwayFramework()), 403, "forbidden")
		fw := e.createFramework(norwayFramework())
		path := "/api/v1/frameworks/" + fw
		want(t, e.do("lo-no", http.MethodGet, path, nil), 200)
		want(t, e.do("ops", http.MethodGet, path, nil), 200)
		wantProblem(t, e.do("lo-de", http.MethodGet, path, nil), 404, "not_found")
		if n := len(e.do("lo-de", http.MethodGet, "/api/v1/frameworks", nil).JSON(t)["items"].([]any)); n != 0 {
			t.Errorf("lo-de lists %d of Norway's agreements", n)
		}
		// Another nation's framework is unknown to a German liaison officer.
		wantProblem(t, e.do("lo-de", http.MethodPost, "/api/v1/requests", inFramework(fw)), 422, "invalid", "framework_id")
		// Suspension is a patch; a suspended agreement gives no fast track.
		wantProblem(t, e.do("admin", http.MethodPatch, path, map[string]any{"suspended": true}), 428, "precondition_required")
		s := e.do("admin", http.MethodPatch, path, map[string]any{"suspended": true}, "If-Match", `"1"`)
		want(t, s, 200)
		if s.JSON(t)["suspended"] != true || s.JSON(t)["version"].(float64) != 2 || s.JSON(t)["name"] != "Norwegian units in the north" {
			t.Fatalf("suspended = %s", s.Body)
		}
		id, _ := e.submitted(inFramework(fw))
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
		if got["route"].(map[string]any)["fast_track"] != false || !hasWarning(got, "framework_not_applicable", "suspended") {
			t.Fatalf("request in a suspended framework: %v %v", got["route"], got["warnings"])
		}
		// Changes are audited.
		entries, err := e.db.ListAudit(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, en := range entries {
			if strings.HasPrefix(en.Action, "framework.") {
				actions = append(actions, en.Action+" by "+en.Actor)
			}
		}
		if strings.Join(actions, ",") != "framework.created by admin,framework.updated by admin" {
			t.Errorf("framework audit entries: %v", actions)
		}
	})
}

// TestFrameworkDatesInCalendar: an agreement's valid_from and valid_until
// lie from 2000-01-01 to 2099-12-31, on create and on patch. 0001-01-01
// (Go's zero time) is refused as out of range, naming the field — it was
// "is required", as if it had not been sent — while a date left out is
// still "is required".
func TestFrameworkDatesInCalendar(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/framework-dates.db")
	const outside = "must be a date from 2000-01-01 to 2099-12-31"
	message := func(r resp, field string) string {
		for _, f := range r.JSON(t)["errors"].([]any) {
			if m := f.(map[string]any); m["field"] == field {
				return m["message"].(string)
			}
		}
		return ""
	}
	for _, tc := range []struct {
		field, value, msg string
	}{
		{"valid_from", "0001-01-01", outside},
		{"valid_from", "1999-12-31", outside},
		{"valid_until", "0001-01-01", outside},
		{"valid_until", "2100-01-01", outside},
		{"valid_until", "9999-12-31", outside},
		{"valid_from", "", "is required"},
		{"valid_until", "2026-13-01", "must be a date like 2027-03-02"},
	} {
		r := e.do("admin", http.MethodPost, "/api/v1/frameworks", with(norwayFramework(), tc.field, tc.value))
		wantProblem(t, r, 422, "invalid", tc.field)
		if got := message(r, tc.field); got != tc.msg {
			t.Errorf("%s %q: %q, want %q", tc.field, tc.value, got, tc.msg)
		}
	}
	fw := e.createFramework(with(with(norwayFramework(), "valid_from", "2000-01-01"), "valid_until", "2099-12-31"))
	r := e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, map[string]any{"valid_from": "0001-01-01"}, "If-Match", `"1"`)
	wantProblem(t, r, 422, "invalid", "valid_from")
	if got := message(r, "valid_from"); got != outside {
		t.Errorf("patch valid_from 0001-01-01: %q, want %q", got, outside)
	}
}

// ravlunda holds 1200 at once. Norway brings 700 and Germany 600 on
// overlapping days.
func ravlundaDraft(personnel int, from, to string) map[string]any {
	d := with(draft(), "personnel", map[string]any{"military": personnel})
	return with(d, "training_areas", []any{map[string]any{"area": "ravlunda", "from": from, "to": to}})
}

// approveThroughRange takes a submitted live-fire request through intake and
// range safety, leaving operations as the final stage; returns the ETag.
func (e *env) approveThroughRange(id, tag string) string {
	e.t.Helper()
	r := e.decide("hns", id, tag, "intake", "approve", "")
	want(e.t, r, 200)
	r = e.decide("range", id, r.Header.Get("ETag"), "range_safety", "approve", "")
	want(e.t, r, 200)
	return r.Header.Get("ETag")
}

// norwayPersonnel finds Norway's personnel count, 700, standing alone.
var norwayPersonnel = regexp.MustCompile(`(^|[^0-9A-Za-z])700([^0-9A-Za-z]|$)`)

func TestAreaDeconfliction(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, noTag := e.submitted(ravlundaDraft(700, "2027-03-05", "2027-03-12"))
		noRef := e.do("ops", http.MethodGet, "/api/v1/requests/"+no, nil).JSON(t)["reference"].(string)
		de, deTag := e.create("lo-de", ravlundaDraft(600, "2027-03-10", "2027-03-15"))
		s := e.do("lo-de", http.MethodPost, "/api/v1/requests/"+de+"/submit", nil, "If-Match", deTag)
		want(t, s, 200)
		sub := s.JSON(t)
		// Need-to-know: the German liaison officer learns the days, nothing more.
		if ws := sub["warnings"].([]any); len(ws) != 1 || ws[0].(map[string]any)["message"] != "Ravlunda skjutfält would be over capacity on 10–12 March 2027" {
			t.Fatalf("warnings %v", sub["warnings"])
		}
		// 700 as a number of its own: ids are hex and may hold "7005".
		if strings.Contains(string(s.Body), `"NO"`) || norwayPersonnel.Match(s.Body) || strings.Contains(string(s.Body), noRef) {
			t.Errorf("the German liaison officer learns Norway's details: %s", s.Body)
		}
		// Approvers keep the exact figures; the requests involved are named
		// when a final approval is refused (submit reads no other booking).
		full := e.do("ops", http.MethodGet, "/api/v1/requests/"+de, nil).JSON(t)
		if !hasWarning(full, "area_capacity", "(peak 1300) on 10–12 March 2027") || hasWarning(full, "area_capacity", "would be over capacity") {
			t.Fatalf("approver's warnings %v", full["warnings"])
		}

		// Norway is approved first; Germany's final approval is refused
		// unless overridden, with the reason audited.
		want(t, e.decide("ops", no, e.approveThroughRange(no, noTag), "operations", "approve", ""), 200)
		tag := e.approveThroughRange(de, s.Header.Get("ETag"))
		r := e.decide("ops", de, tag, "operations", "approve", "")
		wantProblem(t, r, 409, "area_conflict")
		if !strings.Contains(r.JSON(t)["detail"].(string), noRef) {
			t.Errorf("conflict does not name %s: %s", noRef, r.Body)
		}
		body := map[string]any{"stage": "operations", "outcome": "approve", "override_reason": "units share the range under one OPORD"}
		o := e.do("ops", http.MethodPost, "/api/v1/requests/"+de+"/decisions", body, "If-Match", tag)
		want(t, o, 200)
		hist := e.do("auditor", http.MethodGet, "/api/v1/requests/"+de+"/history", nil).JSON(t)["items"].([]any)
		last := hist[len(hist)-1].(map[string]any)["data"].(map[string]any)
		if last["override_reason"] != "units share the range under one OPORD" || !strings.Contains(fmt.Sprint(last["area_conflicts"]), noRef) {
			t.Errorf("override not audited: %v", last)
		}
		// The sending nation's history shows the days alone.
		mine := e.do("lo-de", http.MethodGet, "/api/v1/requests/"+de+"/history", nil)
		want(t, mine, 200)
		items := mine.JSON(t)["items"].([]any)
		data := items[len(items)-1].(map[string]any)["data"].(map[string]any)
		if fmt.Sprint(data["area_conflicts"]) != "[Ravlunda skjutfält would be over capacity on 10–12 March 2027]" || data["override_reason"] != nil {
			t.Errorf("lo-de's history: %v", data)
		}
		if strings.Contains(string(mine.Body), noRef) || strings.Contains(string(mine.Body), "OPORD") {
			t.Errorf("lo-de's history names others: %s", mine.Body)
		}

		// The calendar: approvers see both bookings.
		cal := e.do("ops", http.MethodGet, "/api/v1/training-areas/ravlunda/bookings?from=2027-03-01&to=2027-03-31", nil)
		want(t, cal, 200)
		if n := len(cal.JSON(t)["bookings"].([]any)); n != 2 {
			t.Errorf("ops sees %d bookings", n)
		}
		// 700 + 600 on the overlapping days 10 to 12 March; 700 alone before.
		if d := calendarDay(t, cal.JSON(t), "2027-03-10"); d["personnel"].(float64) != 1300 || d["over_capacity"] != true {
			t.Errorf("ops's calendar on 10 March: %v", d)
		}
		if d := calendarDay(t, cal.JSON(t), "2027-03-05"); d["personnel"].(float64) != 700 || d["over_capacity"] != false {
			t.Errorf("ops's calendar on 5 March: %v", d)
		}
		// Movement data is for approvers and auditors: not administrators,
		// not liaison officers (they read their own requests).
		want(t, e.do("auditor", http.MethodGet, "/api/v1/training-areas/ravlunda/bookings?from=2027-03-01&to=2027-03-31", nil), 200)
		for _, who := range []string{"admin", "lo-de"} {
			wantProblem(t, e.do(who, http.MethodGet, "/api/v1/training-areas/ravlunda/bookings?from=2027-03-01&to=2027-03-31", nil), 403, "forbidden")
		}
		wantProblem(t, e.do("ops", http.MethodGet, "/api/v1/training-areas/ravlunda/bookings?from=2027-03-31&to=2027-03-01", nil), 422, "invalid", "to")
	})
}

// TestRacingFinalApprovals: two requests that together exceed ravlunda's
// capacity reach their final approval at the same moment; exactly one is
// approved, the other refused with area_conflict.
func TestRacingFinalApprovals(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		a, aTag := e.submitted(ravlundaDraft(700, "2027-03-05", "2027-03-12"))
		b, bTag := e.submitted(ravlundaDraft(600, "2027-03-08", "2027-03-09"))
		aTag, bTag = e.approveThroughRange(a, aTag), e.approveThroughRange(b, bTag)
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, req := range []struct{ id, tag, who string }{{a, aTag, "ops"}, {b, bTag, "ops2"}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = e.decide(req.who, req.id, req.tag, "operations", "approve", "").Status
			}()
		}
		close(start)
		wg.Wait()
		if !(statuses[0] == 200 && statuses[1] == 409) && !(statuses[0] == 409 && statuses[1] == 200) {
			t.Fatalf("racing final approvals: %v, want one 200 and one 409", statuses)
		}
		approved := 0
		for _, id := range []string{a, b} {
			if e.do("ops", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)["status"] == string(domain.StatusApproved) {
				approved++
			}
		}
		if approved != 1 {
			t.Fatalf("%d approved; ravlunda is overbooked", approved)
		}
	})
}

func TestTrainingAreaEdits(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		path := "/api/v1/training-areas/ravlunda"
		wantProblem(t, e.do("range", http.MethodPatch, path, map[string]any{"capacity_personnel": 10}, "If-Match", `"1"`), 403, "forbidden")
		wantProblem(t, e.do("admin", http.MethodPatch, path, map[string]any{"capacity_personnel": 0, "blackout_days": []any{"soon"}}, "If-Match", `"1"`),
			422, "invalid", "blackout_days[0]")
		r := e.do("admin", http.MethodPatch, path, map[string]any{"blackout_days": []any{"2027-03-07"}}, "If-Match", `"1"`)
		want(t, r, 200)
		if r.JSON(t)["capacity_personnel"].(float64) != 1200 || r.JSON(t)["version"].(float64) != 2 {
			t.Fatalf("edited area: %s", r.Body)
		}
		wantProblem(t, e.do("admin", http.MethodPatch, path, map[string]any{"capacity_personnel": 900}, "If-Match", `"1"`), 412, "precondition_failed")
		id, tag := e.submitted(ravlundaDraft(100, "2027-03-05", "2027-03-08"))
		got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
		if !hasWarning(got, "area_blackout", "Ravlunda skjutfält is closed (blackout) on 7 March 2027") {
			t.Fatalf("warnings %v", got["warnings"])
		}
		tag = e.approveThroughRange(id, tag)
		wantProblem(t, e.decide("ops", id, tag, "operations", "approve", ""), 409, "area_conflict")
	})
}

// calendarDay finds one day of a bookings answer.
func calendarDay(t *testing.T, cal map[string]any, date string) map[string]any {
	t.Helper()
	for _, d := range cal["days"].([]any) {
		if m := d.(map[string]any); m["date"] == date {
			return m
		}
	}
	t.Fatalf("no calendar day %s in %v", date, cal["days"])
	return nil
}

// An agreement stored before dates were bounded to the calendar (valid
// until 9999-12-31, written by an earlier release) can still be suspended
// without rewriting its dates; a change of such a date must bring it into
// the calendar.
func TestFrameworkKeepsAStoredDateOutsideTheCalendar(t *testing.T) {
	path := t.TempDir() + "/framework-old-dates.db"
	e := newEnv(t, path)
	fw := e.createFramework(norwayFramework())
	raw, err := sql.Open("sqlite3", "file:"+path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE frameworks SET valid_until = '9999-12-31' WHERE id = ?", fw); err != nil {
		t.Fatal(err)
	}
	r := e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, map[string]any{"suspended": true}, "If-Match", `"1"`)
	if r.Status != http.StatusOK || r.JSON(t)["valid_until"] != "9999-12-31" || r.JSON(t)["suspended"] != true {
		t.Fatalf("suspend an agreement valid until 9999-12-31: %d %s", r.Status, r.Body)
	}
	r = e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, map[string]any{"valid_until": "9999-12-30"}, "If-Match", `"2"`)
	wantProblem(t, r, 422, "invalid", "valid_until")
}
