package api

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
)

// TestIdempotencyKeysExpire: within domain.IdempotencyTTL a key replays;
// after it the same key creates anew (even with another body), and expired
// keys are deleted when their user next creates with a key.
func TestIdempotencyKeysExpire(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		at := func(d time.Duration) { e.clock = func() time.Time { return testNow.Add(d) } }
		post := func(as, key string, body map[string]any) resp {
			return e.do(as, http.MethodPost, "/api/v1/requests", body, "Idempotency-Key", key)
		}
		first := post("lo-no", "k-a", draft())
		want(t, first, 201)
		want(t, post("lo-no", "k-b", draft()), 201)
		want(t, post("lo-no2", "k-c", draft()), 201)

		at(domain.IdempotencyTTL)
		replay := post("lo-no", "k-a", draft())
		if replay.Status != 201 || replay.Header.Get("Idempotent-Replayed") != "true" || replay.JSON(t)["id"] != first.JSON(t)["id"] {
			t.Fatalf("at the end of the TTL: %d %v %s", replay.Status, replay.Header, replay.Body)
		}
		wantProblem(t, post("lo-no", "k-a", with(draft(), "purpose", "other")), 422, "invalid", "Idempotency-Key")

		at(domain.IdempotencyTTL + time.Second)
		fresh := post("lo-no", "k-a", with(draft(), "purpose", "another exercise"))
		want(t, fresh, 201)
		if fresh.Header.Get("Idempotent-Replayed") != "" || fresh.JSON(t)["id"] == first.JSON(t)["id"] {
			t.Fatalf("an expired key replayed: %s", fresh.Body)
		}
		// The new key now replays in its turn.
		again := post("lo-no", "k-a", with(draft(), "purpose", "another exercise"))
		if again.Header.Get("Idempotent-Replayed") != "true" || again.JSON(t)["id"] != fresh.JSON(t)["id"] {
			t.Fatalf("the renewed key does not replay: %s", again.Body)
		}
		// lo-no's write deleted lo-no's expired k-b; lo-no2's k-c waits for
		// lo-no2 or the sweep.
		ctx := context.Background()
		if n, err := e.db.PurgeIdempotencyBefore(ctx, testNow.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("sweep of keys older than an hour deleted %d (%v), want 1 (lo-no2's k-c)", n, err)
		}
		if n, err := e.db.PurgeIdempotencyBefore(ctx, testNow.Add(2*domain.IdempotencyTTL)); err != nil || n != 1 {
			t.Fatalf("sweep of all deleted %d (%v), want 1 (lo-no's renewed k-a)", n, err)
		}
	})
}

// TestIdempotencyConcurrentDuplicates: retries racing on one key create one
// request, whether the key is new or just expired. On PostgreSQL a loser
// gets 409 (the key's primary key refuses the second insert); on SQLite the
// single writer serializes them and losers get the replay.
func TestIdempotencyConcurrentDuplicates(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		race := func(key string) (created, conflicts int) {
			statuses := make([]resp, 8)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					statuses[i] = e.do("lo-no", http.MethodPost, "/api/v1/requests", draft(), "Idempotency-Key", key)
				}()
			}
			close(start)
			wg.Wait()
			for _, r := range statuses {
				switch {
				case r.Status == 201 && r.Header.Get("Idempotent-Replayed") == "":
					created++
				case r.Status == 201:
				case r.Status == 409:
					conflicts++
				default:
					t.Errorf("status %d: %s", r.Status, r.Body)
				}
			}
			return created, conflicts
		}
		if created, _ := race("k-race"); created != 1 {
			t.Fatalf("a new key created %d requests, want 1", created)
		}
		e.clock = func() time.Time { return testNow.Add(domain.IdempotencyTTL + time.Minute) }
		if created, _ := race("k-race"); created != 1 {
			t.Fatalf("an expired key created %d requests, want 1", created)
		}
		if n := len(e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)); n != 2 {
			t.Fatalf("%d requests stored, want 2", n)
		}
	})
}

// TestIdempotencyKeyEmptyOrRepeated: an empty Idempotency-Key header is no
// key (two such creates make two drafts), and of repeated headers only the
// first is read, as docs/openapi.yaml ("Idempotent creation") says.
func TestIdempotencyKeyEmptyOrRepeated(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/keys.db")
	post := func(keys ...string) resp {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", bytes.NewReader(mustJSON(t, draft())))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.tokens["lo-no"])
		for _, k := range keys {
			req.Header.Add("Idempotency-Key", k)
		}
		rec := httptest.NewRecorder()
		e.srv.Handler().ServeHTTP(rec, req)
		r := resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
		checkResponse(t, e.spec, req, r.Status, r.Header, r.Body)
		return r
	}
	replayed := func(r resp) bool { return r.Header.Get("Idempotent-Replayed") == "true" }

	a, b := post(""), post("")
	want(t, a, 201)
	want(t, b, 201)
	if replayed(b) || a.JSON(t)["id"] == b.JSON(t)["id"] {
		t.Fatalf("an empty key replayed: %v %s", b.Header, b.Body)
	}

	first := post("k-a", "k-b")
	want(t, first, 201)
	if again := post("k-a"); !replayed(again) || again.JSON(t)["id"] != first.JSON(t)["id"] {
		t.Fatalf("the first of repeated keys was not the key: %d %v %s", again.Status, again.Header, again.Body)
	}
	if other := post("k-b"); other.Status != 201 || replayed(other) {
		t.Fatalf("the second of repeated keys was read: %d %v %s", other.Status, other.Header, other.Body)
	}
	// An empty first header is no key, whatever follows it.
	if r := post("", "k-a"); r.Status != 201 || replayed(r) {
		t.Fatalf("a key after an empty one was read: %d %v %s", r.Status, r.Header, r.Body)
	}
}
