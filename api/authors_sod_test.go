package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestAuthorOfARequestDecidesNoStage is the review's first finding, through
// the real server: lo-no2 creates a draft; lo-no amends it and submits it;
// an administrator makes lo-no an HNS officer with no nation. lo-no wrote
// the request as much as its creator did, so deciding its intake stage is
// refused (403 separation_of_duties) — it was approved before — and the
// stage is not in lo-no's queue. The request's authors are the two liaison
// officers, in the order they first wrote it; an approver's decision adds
// nobody.
func TestAuthorOfARequestDecidesNoStage(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, tag := e.create("lo-no2", draft())
		r := e.do("lo-no", http.MethodPatch, "/api/v1/requests/"+id, map[string]any{"purpose": "Amended by lo-no"}, "If-Match", tag)
		want(t, r, http.StatusOK)
		r = e.do("lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", r.Header.Get("ETag"))
		want(t, r, http.StatusOK)
		tag = r.Header.Get("ETag")

		loNo, loNoTag := e.userID("lo-no")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+loNo,
			map[string]any{"roles": []string{"hns_officer"}, "nation": "", "reason": "joined the HNS desk"},
			"If-Match", loNoTag), http.StatusOK)
		want(t, e.signIn("lo-no", "lo-no", "correct horse battery"), http.StatusOK)

		q := e.do("lo-no", http.MethodGet, "/api/v1/queue", nil)
		want(t, q, http.StatusOK)
		if strings.Contains(string(q.Body), id) {
			t.Errorf("the request lo-no wrote is in lo-no's queue: %s", q.Body)
		}
		refused := e.decide("lo-no", id, tag, "intake", "approve", "")
		wantProblem(t, refused, http.StatusForbidden, "separation_of_duties")
		if msg := string(refused.Body); !strings.Contains(msg, "lo-no wrote this request") ||
			!strings.Contains(msg, "nobody decides a request they wrote") {
			t.Errorf("the refusal must say who wrote the request: %s", msg)
		}

		stored, err := e.db.GetRequest(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"lo-no2", "lo-no"}; !slices.Equal(stored.Authors, want) {
			t.Fatalf("authors %v, want %v", stored.Authors, want)
		}
		want(t, e.decide("hns", id, tag, "intake", "approve", ""), http.StatusOK)
		stored, err = e.db.GetRequest(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"lo-no2", "lo-no"}; !slices.Equal(stored.Authors, want) {
			t.Fatalf("after hns's decision: authors %v, want %v", stored.Authors, want)
		}
	})
}

// TestKeyedCreateRetryAfterANationChange is the review's second finding:
// lo-de creates a draft with an Idempotency-Key; an administrator moves
// lo-de to Austria. GET of the German draft answers 404 now, and so does a
// retry of the create with the same key and body: it used to answer 201,
// Idempotent-Replayed, with the whole German request. The retry creates
// nothing either; a new key creates an Austrian draft as usual.
func TestKeyedCreateRetryAfterANationChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		first := e.do("lo-de", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k1")
		want(t, first, http.StatusCreated)
		de1 := first.JSON(t)["id"].(string)
		// Still German: the retry is the first answer.
		again := e.do("lo-de", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k1")
		want(t, again, http.StatusCreated)
		if again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(first.Body) {
			t.Fatalf("a retry before the move is not the replay: %v %s", again.Header, again.Body)
		}

		loDe, tag := e.userID("lo-de")
		want(t, e.do("admin", http.MethodPatch, "/api/v1/users/"+loDe, map[string]any{"nation": "AT", "reason": "posted to Austria"},
			"If-Match", tag), http.StatusOK)
		want(t, e.signIn("lo-de", "lo-de", "correct horse battery"), http.StatusOK)
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+de1, nil), http.StatusNotFound, "not_found")

		retry := e.do("lo-de", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k1")
		wantProblem(t, retry, http.StatusNotFound, "not_found")
		if retry.Header.Get("Idempotent-Replayed") != "" || strings.Contains(string(retry.Body), de1) ||
			strings.Contains(string(retry.Body), "Telemark") {
			t.Fatalf("the retry shows the German request: %v %s", retry.Header, retry.Body)
		}
		if !strings.Contains(string(retry.Body), "new Idempotency-Key") {
			t.Errorf("the refusal must say what to do: %s", retry.Body)
		}
		if items := e.do("lo-de", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any); len(items) != 0 {
			t.Fatalf("lo-de in Austria lists %d requests after the retry, want none", len(items))
		}
		fresh := e.do("lo-de", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", "k2")
		want(t, fresh, http.StatusCreated)
		if m := fresh.JSON(t); m["nation"] != "AT" || m["id"] == de1 {
			t.Fatalf("a new key: %s", fresh.Body)
		}
	})
}
