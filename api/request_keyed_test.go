package api

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestKeyedRequestRetryReplaysAfterTheFrameworkChanged: lo-no creates a
// draft inside the Norwegian framework agreement with an Idempotency-Key;
// the administrator then moves the agreement to Denmark and suspends it,
// and the clock moves on past the request's one day, within the key's 24
// hours. A retry with the same
// key and body is a retry of a create already answered: it gets that
// answer (201, the same body and Location, marked replayed) and creates
// nothing — not 422 for an agreement no longer Norway's, nor for a period
// that has ended. A new key with the same body is a new create, and is
// refused for both.
func TestKeyedRequestRetryReplaysAfterTheFrameworkChanged(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		fw := e.createFramework(norwayFramework())
		// One day, today: ended tomorrow.
		body := with(inFramework(fw), "period", map[string]any{"start": "2026-11-23", "end": "2026-11-23"})
		body = with(body, "training_areas", []any{map[string]any{"area": "kilen", "from": "2026-11-23", "to": "2026-11-23"}})
		body = with(body, "movements", []any{
			map[string]any{"direction": "entry", "entry_point": "storlien", "at": "2026-11-23T08:00:00Z", "mode": "road"},
			map[string]any{"direction": "exit", "entry_point": "storlien", "at": "2026-11-23T20:00:00Z", "mode": "road"}})
		first := e.do("lo-no", http.MethodPost, "/api/v1/requests", body, "Idempotency-Key", "req-1")
		want(t, first, http.StatusCreated)

		want(t, e.do("admin", http.MethodPatch, "/api/v1/frameworks/"+fw, map[string]any{"nation": "DK", "suspended": true},
			"If-Match", `"1"`), http.StatusOK)
		e.clock = func() time.Time { return testNow.Add(16 * time.Hour) } // 02:00 on the 24th in Stockholm

		again := e.do("lo-no", http.MethodPost, "/api/v1/requests", body, "Idempotency-Key", "req-1")
		// The same bytes, line feed included, with the same headers.
		if again.Status != first.Status || again.Header.Get("Idempotent-Replayed") != "true" ||
			string(again.Body) != string(first.Body) || !strings.HasSuffix(string(first.Body), "}\n") ||
			again.Header.Get("Location") != first.Header.Get("Location") ||
			again.Header.Get("Content-Type") != first.Header.Get("Content-Type") || again.Header.Get("ETag") != first.Header.Get("ETag") {
			t.Fatalf("the retry is not a replay of the first answer:\n%d %v %s\nwant %d %s",
				again.Status, again.Header, again.Body, first.Status, first.Body)
		}
		if n := len(e.do("lo-no", http.MethodGet, "/api/v1/requests", nil).JSON(t)["items"].([]any)); n != 1 {
			t.Fatalf("%d requests after the retry, want 1", n)
		}
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", body, "Idempotency-Key", "req-2"),
			http.StatusUnprocessableEntity, "invalid", "period.end")
		e.clock = func() time.Time { return testNow }
		wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", body, "Idempotency-Key", "req-3"),
			http.StatusUnprocessableEntity, "invalid", "framework_id")
	})
}
