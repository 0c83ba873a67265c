package api

import (
	"net/http"
	"strings"
	"testing"
)

// TestIdempotencyOnEveryCreatingPost: frameworks, delegations and decisions
// take an Idempotency-Key as request creation does: a retry replays the
// first response (status, Location, ETag, body) and does nothing; the same
// key with another body, or on another route, is 422; keys are per user.
func TestIdempotencyOnEveryCreatingPost(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		replayed := func(first, again resp) {
			t.Helper()
			// Byte for byte: the first answer ends with a line feed, as
			// every JSON answer does, and so does the replay.
			if again.Status != first.Status || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) ||
				!strings.HasSuffix(string(first.Body), "}\n") || again.Header.Get("Content-Type") != first.Header.Get("Content-Type") ||
				again.Header.Get("Location") != first.Header.Get("Location") || again.Header.Get("ETag") != first.Header.Get("ETag") {
				t.Fatalf("not a replay:\n%d %v %s\n%d %v %s", first.Status, first.Header, first.Body, again.Status, again.Header, again.Body)
			}
		}
		// Frameworks.
		fw := e.do("admin", http.MethodPost, "/api/v1/frameworks", norwayFramework(), "Idempotency-Key", "fw-1")
		want(t, fw, 201)
		replayed(fw, e.do("admin", http.MethodPost, "/api/v1/frameworks", norwayFramework(), "Idempotency-Key", "fw-1"))
		if n := len(e.do("admin", http.MethodGet, "/api/v1/frameworks", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Fatalf("%d agreements after a retried create", n)
		}
		wantProblem(t, e.do("admin", http.MethodPost, "/api/v1/frameworks", with(norwayFramework(), "name", "other"), "Idempotency-Key", "fw-1"), 422, "invalid", "Idempotency-Key")

		// Delegations, per user: ops2's equal key is another key.
		body := map[string]any{"to": "hns", "role": "operations_approver", "ends": "2026-12-31T00:00:00Z"}
		d := e.do("ops", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "k-1")
		want(t, d, 201)
		replayed(d, e.do("ops", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "k-1"))
		other := e.do("ops2", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "k-1")
		want(t, other, 201)
		if other.Header.Get("Idempotent-Replayed") != "" || other.JSON(t)["id"] == d.JSON(t)["id"] {
			t.Fatalf("ops2 got ops's delegation: %s", other.Body)
		}
		if n := len(e.do("auditor", http.MethodGet, "/api/v1/delegations", nil).JSON(t)["items"].([]any)); n != 2 {
			t.Fatalf("%d delegations, want 2", n)
		}

		// Decisions: the retry is answered although its If-Match is stale now.
		id, tag := e.submitted(plainDraft())
		decision := map[string]any{"stage": "intake", "outcome": "approve", "comment": "complete"}
		first := e.do("hns", http.MethodPost, "/api/v1/requests/"+id+"/decisions", decision, "If-Match", tag, "Idempotency-Key", "k-1")
		want(t, first, 200)
		entries := e.auditCount(id)
		replayed(first, e.do("hns", http.MethodPost, "/api/v1/requests/"+id+"/decisions", decision, "If-Match", tag, "Idempotency-Key", "k-1"))
		if e.auditCount(id) != entries {
			t.Fatalf("a retried decision was recorded again")
		}
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/requests/"+id+"/decisions", with(decision, "comment", "other"), "If-Match", tag, "Idempotency-Key", "k-1"),
			422, "invalid", "Idempotency-Key")
		// hns's k-1 is taken by the decision: on another route it is another body.
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/delegations", map[string]any{"to": "range", "role": "hns_officer", "ends": "2026-12-31T00:00:00Z"},
			"Idempotency-Key", "k-1"), 422, "invalid", "Idempotency-Key")
		// Without a key a stale retry is refused as before.
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/requests/"+id+"/decisions", decision, "If-Match", tag), 412, "precondition_failed")
		wantProblem(t, e.do("hns", http.MethodPost, "/api/v1/delegations", body, "Idempotency-Key", "bad key"), 422, "invalid", "Idempotency-Key")
	})
}

// TestIdempotencyKeyIsBoundToThePath: the fingerprint covers the actual
// path, not only the route's template. hns's key k1, used to approve
// intake on Norway's request, sent with the same body to Germany's request
// is refused as a mismatched reuse (422), not answered with Norway's
// request; Germany's request is untouched and is decided under a fresh key.
func TestIdempotencyKeyIsBoundToThePath(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		no, noTag := e.submitted(plainDraft())
		de, deTag := e.create("lo-de", plainDraft())
		sub := e.do("lo-de", http.MethodPost, "/api/v1/requests/"+de+"/submit", nil, "If-Match", deTag)
		want(t, sub, 200)
		deTag = sub.Header.Get("ETag")
		decision := map[string]any{"stage": "intake", "outcome": "approve", "comment": "complete"}

		want(t, e.do("hns", http.MethodPost, "/api/v1/requests/"+no+"/decisions", decision, "If-Match", noTag, "Idempotency-Key", "k1"), 200)
		entries := e.auditCount(de)
		reused := e.do("hns", http.MethodPost, "/api/v1/requests/"+de+"/decisions", decision, "If-Match", deTag, "Idempotency-Key", "k1")
		wantProblem(t, reused, 422, "invalid", "Idempotency-Key")
		if reused.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("a key of one request replayed on another: %s", reused.Body)
		}
		if e.auditCount(de) != entries || stageStatuses(t, e.do("hns", http.MethodGet, "/api/v1/requests/"+de, nil))["intake"] != "active" {
			t.Fatal("the refused reuse changed Germany's request")
		}

		fresh := e.do("hns", http.MethodPost, "/api/v1/requests/"+de+"/decisions", decision, "If-Match", deTag, "Idempotency-Key", "k2")
		want(t, fresh, 200)
		if fresh.JSON(t)["id"] != de || stageStatuses(t, fresh)["intake"] != "approved" {
			t.Fatalf("a fresh key did not decide Germany's request: %s", fresh.Body)
		}
		// Norway's key still replays Norway's answer on Norway's path.
		again := e.do("hns", http.MethodPost, "/api/v1/requests/"+no+"/decisions", decision, "If-Match", noTag, "Idempotency-Key", "k1")
		want(t, again, 200)
		if again.Header.Get("Idempotent-Replayed") != "true" || again.JSON(t)["id"] != no {
			t.Fatalf("the retry on Norway's request was not a replay: %v %s", again.Header, again.Body)
		}
	})
}
