package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
)

// warshipDraft is a request that needs every stage of the default policy:
// live fire at Ravlunda and a warship.
func warshipDraft() map[string]any {
	return with(draft(), "vessels", []any{map[string]any{"name": "KNM Fridtjof Nansen", "kind": "warship", "crew": 120}})
}

// decide posts a decision with the given ETag and returns the response.
func (e *env) decide(as, id, tag, stage, outcome, comment string, conditions ...string) resp {
	e.t.Helper()
	body := map[string]any{"stage": stage, "outcome": outcome, "comment": comment}
	if len(conditions) > 0 {
		body["conditions"] = conditions
	}
	return e.do(as, http.MethodPost, "/api/v1/requests/"+id+"/decisions", body, "If-Match", tag)
}

// submitted creates and submits a request as lo-no and returns id and ETag.
func (e *env) submitted(body map[string]any) (string, string) {
	e.t.Helper()
	id, tag := e.create("lo-no", body)
	r := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag)
	want(e.t, r, http.StatusOK)
	return id, r.Header.Get("ETag")
}

func stageStatuses(t testing.TB, r resp) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, st := range r.JSON(t)["route"].(map[string]any)["stages"].([]any) {
		m := st.(map[string]any)
		out[m["id"].(string)] = m["status"].(string)
	}
	return out
}

// TestApprovalJourney is the approvals issue's promise: lo-no submits a
// request with live fire and a warship; hns, range, ops, gov and gov2
// approve in turn (range and ops in parallel); the request ends approved
// with all conditions, and every forbidden move is refused.
func TestApprovalJourney(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(warshipDraft())
		path := "/api/v1/requests/" + id

		// The liaison officer may not decide (route table: 403).
		wantProblem(t, e.decide("lo-no", id, tag, "intake", "approve", ""), 403, "forbidden")
		// A decision on a stage that is not active yet.
		wantProblem(t, e.decide("ops", id, tag, "operations", "approve", ""), 409, "conflict")
		// The wrong role for the stage.
		wantProblem(t, e.decide("range", id, tag, "intake", "approve", ""), 403, "forbidden")
		// A stale If-Match.
		wantProblem(t, e.decide("hns", id, `"1"`, "intake", "approve", ""), 412, "precondition_failed")
		// No If-Match at all.
		wantProblem(t, e.do("hns", http.MethodPost, path+"/decisions", map[string]any{"stage": "intake", "outcome": "approve"}), 428, "precondition_required")
		// A rejection without its reasons.
		wantProblem(t, e.decide("hns", id, tag, "intake", "reject", ""), 422, "invalid", "comment")
		// An unknown stage.
		wantProblem(t, e.decide("hns", id, tag, "coffee", "approve", ""), 422, "invalid", "stage")
		// Only the attempts beyond one's authority are audited: the liaison
		// officer's and the range officer's, not stale versions or bad fields.
		if who := e.refusals(id); strings.Join(who, ",") != "lo-no,range" || e.auditCount(id) != 4 {
			t.Fatalf("refusals by %v, %d entries; want lo-no,range and 4 (create, submit, 2 refusals)", who, e.auditCount(id))
		}

		// The queue shows intake to hns, with the version to decide on.
		q := e.do("hns", http.MethodGet, "/api/v1/queue", nil)
		want(t, q, 200)
		items := q.JSON(t)["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["stage"] != "intake" || items[0].(map[string]any)["request_version"].(float64) != 2 {
			t.Fatalf("hns queue = %s", q.Body)
		}
		if n := len(e.do("ops", http.MethodGet, "/api/v1/queue", nil).JSON(t)["items"].([]any)); n != 0 {
			t.Fatalf("ops sees %d stages before intake is done", n)
		}

		r := e.decide("hns", id, tag, "intake", "approve", "complete and in time")
		want(t, r, 200)
		if st := stageStatuses(t, r); st["intake"] != "approved" || st["range_safety"] != "active" || st["operations"] != "active" || st["ministry"] != "pending" {
			t.Fatalf("after intake: %v", st)
		}
		tag = r.Header.Get("ETag")
		// hns may not decide a second stage of the request, even with a delegation for it.
		want(t, e.do("range", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "hns", "role": "range_officer", "ends": "2026-12-31T00:00:00Z"}), 201)
		wantProblem(t, e.decide("hns", id, tag, "range_safety", "approve", ""), 403, "separation_of_duties")

		// Range and operations in parallel; the second must use the new ETag.
		r = e.decide("range", id, tag, "range_safety", "approve", "", "no firing between 22:00 and 06:00", "range safety officer on site")
		want(t, r, 200)
		wantProblem(t, e.decide("ops", id, tag, "operations", "approve", ""), 412, "precondition_failed")
		r = e.decide("ops", id, r.Header.Get("ETag"), "operations", "approve", "", "report entry at Storlien to HQ J3")
		want(t, r, 200)
		if st := stageStatuses(t, r); st["ministry"] != "active" {
			t.Fatalf("ministry not active after order 2: %v", st)
		}
		r = e.decide("gov", id, r.Header.Get("ETag"), "ministry", "approve", "", "range safety officer on site")
		want(t, r, 200)
		if r.JSON(t)["status"] != "in_review" {
			t.Fatal("one ministry approval of two approved the request")
		}
		wantProblem(t, e.decide("gov", id, r.Header.Get("ETag"), "ministry", "approve", ""), 403, "separation_of_duties")
		// gov2's queue shows the ministry stage half approved.
		mq := e.do("gov2", http.MethodGet, "/api/v1/queue", nil).JSON(t)["items"].([]any)
		if len(mq) != 1 || mq[0].(map[string]any)["approvals"].(float64) != 1 || mq[0].(map[string]any)["approvals_required"].(float64) != 2 {
			t.Fatalf("gov2's queue: %v", mq)
		}
		r = e.decide("gov2", id, r.Header.Get("ETag"), "ministry", "approve", "")
		want(t, r, 200)
		final := r.JSON(t)
		conds := final["conditions"].([]any)
		if final["status"] != "approved" || final["decided_at"] == nil || final["movement_authorized"] != true || len(conds) != 3 {
			t.Fatalf("final = %s", r.Body)
		}
		if !strings.HasPrefix(final["movement_notice"].(string), "AUTHORIZED") {
			t.Errorf("notice %v", final["movement_notice"])
		}
		// Approved: no more decisions.
		wantProblem(t, e.decide("gov", id, r.Header.Get("ETag"), "ministry", "approve", ""), 409, "invalid_transition")

		// History: every transition and decision, with actors, for the nation and approvers.
		h := e.do("lo-no", http.MethodGet, path+"/history", nil)
		want(t, h, 200)
		hist := h.JSON(t)["items"].([]any)
		var decided []string
		for _, it := range hist {
			m := it.(map[string]any)
			if m["action"] == domain.AuditRequestDecided {
				decided = append(decided, m["actor"].(string))
			}
		}
		if len(hist) != 7 || strings.Join(decided, ",") != "hns,range,ops,gov,gov2" {
			t.Fatalf("history has %d entries, decisions by %v", len(hist), decided)
		}
		// Approvers and auditors also see the refused attempts; the nation does not.
		all := e.do("auditor", http.MethodGet, path+"/history", nil).JSON(t)["items"].([]any)
		if len(all) != 11 || strings.Join(e.refusals(id), ",") != "lo-no,range,hns,gov" {
			t.Fatalf("auditor's history has %d entries, refusals by %v", len(all), e.refusals(id))
		}
		wantProblem(t, e.do("lo-de", http.MethodGet, path+"/history", nil), 404, "not_found")

		// Revocation by operations, with a reason.
		wantProblem(t, e.do("ops", http.MethodPost, path+"/revoke", map[string]any{"reason": ""}, "If-Match", r.Header.Get("ETag")), 422, "invalid", "reason")
		wantProblem(t, e.do("hns", http.MethodPost, path+"/revoke", map[string]any{"reason": "x"}, "If-Match", r.Header.Get("ETag")), 403, "forbidden")
		rv := e.do("ops", http.MethodPost, path+"/revoke", map[string]any{"reason": "range closed by environmental authority"}, "If-Match", r.Header.Get("ETag"))
		want(t, rv, 200)
		if rv.JSON(t)["status"] != "revoked" || rv.JSON(t)["movement_authorized"] != false {
			t.Fatalf("revoked = %s", rv.Body)
		}
	})
}

func TestRejectAndRequestChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		r := e.decide("hns", id, tag, "intake", "request_changes", "add the parent formation's contact")
		want(t, r, 200)
		if r.JSON(t)["status"] != "changes_requested" {
			t.Fatalf("status %v", r.JSON(t)["status"])
		}
		// The liaison officer edits and resubmits; routing starts from scratch.
		tag = r.Header.Get("ETag")
		p := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"unit": map[string]any{"parent_formation": "Brigade North HQ"}}, "If-Match", tag)
		want(t, p, 200)
		s := e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", p.Header.Get("ETag"))
		want(t, s, 200)
		if st := stageStatuses(t, s); st["intake"] != "active" {
			t.Fatalf("resubmitted route: %v", st)
		}
		if s.JSON(t)["reference"] != r.JSON(t)["reference"] {
			t.Error("the reference changed on resubmission")
		}
		// The same hns officer may decide the fresh intake stage.
		r = e.decide("hns", id, s.Header.Get("ETag"), "intake", "reject", "the unit is not eligible for this range")
		want(t, r, 200)
		if r.JSON(t)["status"] != "rejected" || r.JSON(t)["decided_at"] == nil {
			t.Fatalf("rejected = %s", r.Body)
		}
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/withdraw", nil, "If-Match", r.Header.Get("ETag")), 409, "invalid_transition")
	})
}

// TestConcurrentDecisions: N approvers decide the same stage at the same
// moment; exactly one wins, the rest get 412 or 409, and exactly one audit
// entry records the accepted decision.
func TestConcurrentDecisions(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		r := e.decide("hns", id, tag, "intake", "approve", "")
		want(t, r, 200)
		tag = r.Header.Get("ETag")
		deciders := []string{"ops", "ops2", "range", "ops", "ops2"}
		stages := []string{"operations", "operations", "range_safety", "operations", "operations"}
		statuses := make([]int, len(deciders))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range deciders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				statuses[i] = e.decide(deciders[i], id, tag, stages[i], "approve", "").Status
			}()
		}
		close(start)
		wg.Wait()
		won := 0
		for _, s := range statuses {
			switch s {
			case 200:
				won++
			case 412, 409:
			default:
				t.Errorf("unexpected status %d", s)
			}
		}
		if won != 1 {
			t.Fatalf("%d decisions won (%v), want exactly 1", won, statuses)
		}
		entries, err := e.db.ListAudit(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		decided := 0
		for _, en := range entries {
			if en.Action == domain.AuditRequestDecided {
				decided++
			}
		}
		if decided != 2 {
			t.Fatalf("%d decision entries, want 2 (intake and the one winner)", decided)
		}
	})
}

func TestQueueFiltersAndPaging(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		for range 5 {
			e.submitted(draft())
		}
		id, tag := e.create("lo-de", with(draft(), "training_areas", nil))
		want(t, e.do("lo-de", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag), 200)

		seen, cursor, prevDue := map[string]bool{}, "", ""
		for pages := 0; ; pages++ {
			path := "/api/v1/queue?limit=2"
			if cursor != "" {
				path += "&cursor=" + cursor
			}
			page := e.do("hns", http.MethodGet, path, nil).JSON(t)
			for _, it := range page["items"].([]any) {
				m := it.(map[string]any)
				if seen[m["request_id"].(string)] || m["due_at"].(string) < prevDue {
					t.Fatalf("queue item %v repeated or out of order", m)
				}
				seen[m["request_id"].(string)], prevDue = true, m["due_at"].(string)
			}
			next, _ := page["next_cursor"].(string)
			if next == "" || pages > 10 {
				break
			}
			cursor = next
		}
		if len(seen) != 6 {
			t.Fatalf("queue paged over %d requests, want 6", len(seen))
		}
		if n := len(e.do("hns", http.MethodGet, "/api/v1/queue?nation=DE", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Errorf("nation filter: %d", n)
		}
		if n := len(e.do("hns", http.MethodGet, "/api/v1/queue?overdue=true", nil).JSON(t)["items"].([]any)); n != 0 {
			t.Errorf("%d overdue before any deadline", n)
		}
		// Three weeks later every intake is overdue.
		e.clock = func() time.Time { return testNow.AddDate(0, 0, 21) }
		over := e.do("hns", http.MethodGet, "/api/v1/queue?overdue=true&role=hns_officer", nil).JSON(t)["items"].([]any)
		if len(over) != 6 || over[0].(map[string]any)["overdue"] != true {
			t.Errorf("overdue queue: %v", over)
		}
		wantProblem(t, e.do("hns", http.MethodGet, "/api/v1/queue?role=ministry", nil), 422, "invalid", "role")
		wantProblem(t, e.do("hns", http.MethodGet, "/api/v1/queue?cursor=x&overdue=maybe", nil), 422, "invalid", "cursor", "overdue")
	})
}

func TestDelegation(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		// gov delegates nothing it does not hold; ops2 receives operations from ops.
		wantProblem(t, e.do("gov", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), 422, "invalid", "role")
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "lo-no", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), 422, "invalid", "to")
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "nobody", "role": "hns_officer", "ends": "2026-11-01T00:00:00Z"}), 422, "invalid", "to", "ends")
		d := e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "gov", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"})
		want(t, d, 201)
		delegation := d.JSON(t)
		if delegation["active"] != true || delegation["from"] != "hns" {
			t.Fatalf("delegation = %s", d.Body)
		}
		// A delegate cannot delegate further.
		wantProblem(t, e.do("gov", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-01T00:00:00Z"}), 422, "invalid", "role")
		// gov sees intake in its queue and decides it acting for hns.
		q := e.do("gov", http.MethodGet, "/api/v1/queue?role=hns_officer", nil).JSON(t)["items"].([]any)
		if len(q) != 1 {
			t.Fatalf("delegate's queue: %v", q)
		}
		r := e.decide("gov", id, tag, "intake", "approve", "for hns during leave")
		want(t, r, 200)
		stage := r.JSON(t)["route"].(map[string]any)["stages"].([]any)[0].(map[string]any)
		dec := stage["decisions"].([]any)[0].(map[string]any)
		if dec["by"] != "gov" || dec["acting_for"] != "hns" {
			t.Fatalf("decision = %v", dec)
		}
		hist := e.do("auditor", http.MethodGet, "/api/v1/requests/"+id+"/history", nil).JSON(t)["items"].([]any)
		if last := hist[len(hist)-1].(map[string]any); last["acting_for"] != "hns" {
			t.Errorf("history does not record acting for: %v", last)
		}
		// Listing: both parties see it; revoking ends it; a revoked or
		// expired delegation grants nothing.
		if n := len(e.do("gov", http.MethodGet, "/api/v1/delegations", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Errorf("delegate lists %d", n)
		}
		wantProblem(t, e.do("range", http.MethodDelete, "/api/v1/delegations/"+delegation["id"].(string), nil), 404, "not_found")
		want(t, e.do("hns", http.MethodDelete, "/api/v1/delegations/"+delegation["id"].(string), nil), 200)
		wantProblem(t, e.do("hns", http.MethodDelete, "/api/v1/delegations/"+delegation["id"].(string), nil), 409, "conflict")
		wantProblem(t, e.do("gov", http.MethodGet, "/api/v1/queue?role=hns_officer", nil), 422, "invalid", "role")

		id2, tag2 := e.submitted(draft())
		want(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-11-24T00:00:00Z"}), 201)
		e.clock = func() time.Time { return testNow.Add(48 * time.Hour) }
		wantProblem(t, e.decide("range", id2, tag2, "intake", "approve", ""), 403, "forbidden")
	})
}

func TestExpiry(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		plain := with(with(draft(), "training_areas", nil), "weapons", map[string]any{"live_fire": false, "systems": []any{}})
		id, tag := e.submitted(plain)
		r := e.decide("hns", id, tag, "intake", "approve", "")
		r = e.decide("ops", id, r.Header.Get("ETag"), "operations", "approve", "")
		want(t, r, 200)
		if r.JSON(t)["status"] != "approved" {
			t.Fatalf("status %v", r.JSON(t)["status"])
		}
		// After the period (ends 2027-03-20) the request reads as expired at once…
		e.clock = func() time.Time { return time.Date(2027, 3, 21, 12, 0, 0, 0, time.UTC) }
		if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t); got["status"] != "expired" || got["movement_authorized"] != false {
			t.Fatalf("read after the period: %v", got["status"])
		}
		// A client holding the approved copy is sent the expired one, not
		// a 304: the version is still the approved one's until the sweep.
		if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil, "If-None-Match", r.Header.Get("ETag")); got.Status != http.StatusOK || got.JSON(t)["status"] != "expired" {
			t.Fatalf("conditional read after the period: %d %s, want 200 and the expired request", got.Status, got.Body)
		}
		wantProblem(t, e.do("ops", http.MethodPost, "/api/v1/requests/"+id+"/revoke", map[string]any{"reason": "x"}, "If-Match", r.Header.Get("ETag")), 409, "invalid_transition")
		// …and the sweep records the transition exactly once.
		var wg sync.WaitGroup
		counts := make([]int, 3)
		for i := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := e.approvals.ExpireEnded(context.Background())
				if err != nil {
					t.Error(err)
				}
				counts[i] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1]+counts[2] != 1 {
			t.Fatalf("sweeps expired %v, want 1 in total", counts)
		}
		// Recorded, the expiry has its own version: a conditional read with
		// its tag is a 304 again.
		expired := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil)
		if tag := expired.Header.Get("ETag"); tag == r.Header.Get("ETag") {
			t.Fatalf("the recorded expiry kept the approved ETag %s", tag)
		} else if got := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil, "If-None-Match", tag); got.Status != http.StatusNotModified {
			t.Fatalf("conditional read of the recorded expiry: %d, want 304", got.Status)
		}
		hist := e.do("auditor", http.MethodGet, "/api/v1/requests/"+id+"/history", nil).JSON(t)["items"].([]any)
		if last := hist[len(hist)-1].(map[string]any); last["action"] != domain.AuditRequestExpired || last["actor"] != "system" {
			t.Fatalf("last history entry %v", last)
		} else if last["at"] != "2027-03-21T12:00:00Z" { // the sweep's time, not the approval's
			t.Errorf("expiry recorded at %v", last["at"])
		}
	})
}

// TestQueueLeavesOutWhatTheDelegatorMayNotDecide: a delegate acts for their
// delegator, so their queue leaves out a stage separation of duties
// refuses the delegator, as a decision on it is refused (403): ops decided
// intake (acting for hns) and delegates operations to gov, whose queue
// then has no operations stage of that request; the range stage, delegated
// by range who decided nothing, is there and gov may decide it.
func TestQueueLeavesOutWhatTheDelegatorMayNotDecide(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.submitted(draft())
		want(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "ops", "role": "hns_officer", "ends": "2026-12-31T00:00:00Z"}), 201)
		r := e.decide("ops", id, tag, "intake", "approve", "for hns")
		want(t, r, 200)
		tag = r.Header.Get("ETag")
		want(t, e.do("ops", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "gov", "role": "operations_approver", "ends": "2026-12-31T00:00:00Z"}), 201)
		want(t, e.do("range", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "gov", "role": "range_officer", "ends": "2026-12-31T00:00:00Z"}), 201)
		stages := func(role string) []string {
			q := e.do("gov", http.MethodGet, "/api/v1/queue?role="+role, nil)
			want(t, q, 200)
			var out []string
			for _, it := range q.JSON(t)["items"].([]any) {
				if it := it.(map[string]any); it["request_id"] == id {
					out = append(out, it["stage"].(string))
				}
			}
			return out
		}
		if got := stages("operations_approver"); len(got) != 0 {
			t.Errorf("gov, acting for ops who decided intake, has %v in the queue", got)
		}
		wantProblem(t, e.decide("gov", id, tag, "operations", "approve", ""), 403, "separation_of_duties")
		if got := stages("range_officer"); len(got) != 1 || got[0] != "range_safety" {
			t.Errorf("gov, acting for range, has %v in the queue; want range_safety", got)
		}
		want(t, e.decide("gov", id, tag, "range_safety", "approve", "for range"), 200)
	})
}

// TestRequestDueAtFollowsDecisions: a request's due_at is the latest due
// date of the stages it still has to pass, as the route moves on — not the
// projection made at submission. Submitted on Monday 2026-11-23: intake is
// due on the 25th, range safety and operations are expected by the 30th,
// and so is the request. Intake decided two weeks late starts them then,
// due on 2026-12-10, and the request with them, in the answer and in the
// list; approved early, the request is due when they are, on the 26th. The
// approval leaves the request due when its last stage was.
func TestRequestDueAtFollowsDecisions(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		day := func(v any) string {
			t.Helper()
			due, err := time.Parse(time.RFC3339, v.(string))
			if err != nil {
				t.Fatal(err)
			}
			return domain.StockholmDate(due).Format(time.DateOnly)
		}
		check := func(r resp, due string) {
			t.Helper()
			want(t, r, http.StatusOK)
			m := r.JSON(t)
			if got := day(m["due_at"]); got != due {
				t.Errorf("due_at %s, want %s (%s)", got, due, m["status"])
			}
			if m["status"] != "in_review" {
				return
			}
			latest := ""
			for _, st := range m["route"].(map[string]any)["stages"].([]any) {
				if s := st.(map[string]any); (s["status"] == "active" || s["status"] == "pending") && day(s["due_at"]) > latest {
					latest = day(s["due_at"])
				}
			}
			if latest != due {
				t.Errorf("the stages still to decide are due by %s, the request on %s", latest, due)
			}
		}
		late, lateTag := e.submitted(draft())
		early, earlyTag := e.submitted(draft())
		check(e.do("lo-no", http.MethodGet, "/api/v1/requests/"+late, nil), "2026-11-30")

		check(e.decide("hns", early, earlyTag, "intake", "approve", ""), "2026-11-26")

		e.clock = func() time.Time { return testNow.AddDate(0, 0, 14) }
		r := e.decide("hns", late, lateTag, "intake", "approve", "")
		check(r, "2026-12-10")
		for _, it := range e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any) {
			if m := it.(map[string]any); m["id"] == late && day(m["due_at"]) != "2026-12-10" {
				t.Errorf("the list has the request due on %s", day(m["due_at"]))
			}
		}
		r = e.decide("range", late, r.Header.Get("ETag"), "range_safety", "approve", "")
		check(r, "2026-12-10")
		r = e.decide("ops", late, r.Header.Get("ETag"), "operations", "approve", "")
		if r.JSON(t)["status"] != "approved" {
			t.Fatalf("status %v", r.JSON(t)["status"])
		}
		check(r, "2026-12-10")
	})
}
