package api

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/docs"
	"exaccess/domain"
)

// OWASP API4:2023 Unrestricted Resource Consumption. Bodies are bounded
// (413), lists are clamped, inputs that are cheap to send and dear to parse
// are refused quickly, and floods meet 429 (TestRateLimit*).
func TestAPI4ResourceConsumption(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/api4.db")
	big := strings.Repeat("x", MaxBodyBytes)
	vehicles := make([]any, domain.MaxListItems+1)
	for i := range vehicles {
		vehicles[i] = map[string]any{"category": "combat", "kind": "tracked", "count": 1}
	}
	cases := []struct {
		name, method, path string
		body               any
		headers            []string
		status             int
		code               string
	}{
		{"body over 1 MiB", http.MethodPost, "/api/v1/requests", `{"purpose":"` + big + `"}`, nil, 413, "too_large"},
		{"sign-in body over 1 MiB", http.MethodPost, "/api/v1/auth/token", `{"username":"` + big + `"}`, nil, 413, "too_large"},
		{"patch over 1 MiB", http.MethodPatch, "/api/v1/requests/x", `{"purpose":"` + big + `"}`, []string{"If-Match", `"1"`}, 413, "too_large"},
		{"deeply nested JSON", http.MethodPost, "/api/v1/requests", strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000), nil, 400, "bad_request"},
		{"nested past the decoder's depth", http.MethodPost, "/api/v1/requests", strings.Repeat(`{"a":`, 50_000) + "1" + strings.Repeat("}", 50_000), nil, 400, "bad_request"},
		{"nested just within it", http.MethodPost, "/api/v1/requests", `{"unit":` + strings.Repeat(`{"a":`, 9_000) + "1" + strings.Repeat("}", 9_001), nil, 422, "invalid"},
		{"too many list items", http.MethodPost, "/api/v1/requests", with(draft(), "vehicles", vehicles), nil, 422, "invalid"},
		{"overlong Idempotency-Key", http.MethodPost, "/api/v1/requests", draft(), []string{"Idempotency-Key", strings.Repeat("k", 10_000)}, 422, "invalid"},
		{"overlong cursor", http.MethodGet, "/api/v1/requests?cursor=" + strings.Repeat("A", 10_000), nil, nil, 422, "invalid"},
		{"negative limit", http.MethodGet, "/api/v1/requests?limit=-1", nil, nil, 422, "invalid"},
		{"limit not a number", http.MethodGet, "/api/v1/requests?limit=1e9", nil, nil, 422, "invalid"},
		{"overlong queue cursor", http.MethodGet, "/api/v1/queue?cursor=" + strings.Repeat("A", 10_000), nil, nil, 422, "invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			as := "lo-no"
			if strings.Contains(tc.path, "queue") {
				as = "hns"
			}
			start := time.Now()
			wantProblem(t, e.do(as, tc.method, tc.path, tc.body, tc.headers...), tc.status, tc.code)
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// TestAPI4BodyWithoutLength: a chunked body (no Content-Length) is cut at
// the limit while it is read, not after.
func TestAPI4BodyWithoutLength(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/chunked.db")
	pr, pw := io.Pipe()
	go func() {
		_, _ = pw.Write([]byte(`{"purpose":"`))
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range 64 { // 4 MiB offered; the server must stop reading at 1 MiB
			if _, err := pw.Write(chunk); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req := httptest.NewRequest(http.MethodPost, "/api/v1/requests", pr)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.tokens["lo-no"])
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	pr.Close()
	if rec.Code != 413 {
		t.Fatalf("status %d, want 413", rec.Code)
	}
}

// TestAPI4LimitClamped: a list asks for more than 200 and gets 200 with a
// cursor to the rest, not an unbounded page.
func TestAPI4LimitClamped(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/clamp.db")
	p := domainPrincipal("lo-no", "NO")
	for i := range maxLimit + 5 {
		d, fe := toDomainDetails(mustInput(t, with(draft(), "exercise_name", fmt.Sprintf("Exercise %d", i))))
		if len(fe) > 0 {
			t.Fatal(fe)
		}
		if _, _, err := e.srv.Requests.CreateRequest(context.Background(), p, d, nil); err != nil {
			t.Fatal(err)
		}
	}
	page := e.do("lo-no", http.MethodGet, "/api/v1/requests?limit=100000", nil).JSON(t)
	if n := len(page["items"].([]any)); n != maxLimit || page["next_cursor"] == nil {
		t.Fatalf("limit=100000 gave %d items (next %v), want %d and a cursor", n, page["next_cursor"], maxLimit)
	}
}

// TestAPI4HugeLimitClamped: a limit too large for an integer is clamped to
// 200 as any other large one, on every route that pages (the document's
// Limit parameter); a negative one, however large, is refused naming it.
func TestAPI4HugeLimitClamped(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/hugelimit.db")
	lists := map[string]string{
		"GET /api/v1/requests":           "lo-no",
		"GET /api/v1/queue":              "hns",
		"GET /api/v1/audit/events":       "auditor",
		"GET /api/v1/audit/checkpoints":  "auditor",
		"GET /api/v1/users":              "admin",
		"GET /api/v1/me/notifications":   "lo-no",
		"GET /api/v1/requests/*/history": "lo-no", // * is a request of lo-no's
		"GET /api/v1/delegations":        "auditor",
		"GET /api/v1/webhooks":           "admin",
		"GET /api/v1/me/webhooks":        "lo-no",
	}
	id, _ := e.create("lo-no", draft())
	params, err := queryParams(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	for route, names := range params {
		if _, ok := lists[route]; slices.Contains(names, "limit") && !ok {
			t.Errorf("%s takes a limit and is not tried here", route)
		}
	}
	for route, user := range lists {
		path := strings.Replace(strings.TrimPrefix(route, "GET "), "*", id, 1)
		for _, limit := range []string{"99999999999999999999", "+99999999999999999999", strings.Repeat("9", 1000)} {
			want(t, e.do(user, http.MethodGet, path+"?limit="+url.QueryEscape(limit), nil), 200)
		}
		for _, limit := range []string{"-99999999999999999999", "0", "1e9", "9x"} {
			wantProblem(t, e.do(user, http.MethodGet, path+"?limit="+url.QueryEscape(limit), nil), 422, "invalid", "limit")
		}
	}
}

func domainPrincipal(user, nation string) domain.Principal {
	return domain.Principal{Subject: user, Roles: []domain.Role{domain.RoleLiaison}, Nation: nation}
}

func mustInput(t testing.TB, body map[string]any) requestInput {
	t.Helper()
	var in requestInput
	if err := decodeStrict(mustJSON(t, body), &in, readOnlyFields); err != nil {
		t.Fatal(err)
	}
	return in
}

// TestAPI4FloodsMeet429: a script creating drafts in a loop is stopped by
// the per-user limit, from any number of addresses, with Retry-After.
func TestAPI4FloodsMeet429(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/flood.db")
	e.limited(RateLimits{PerUser: Rate{Events: 1, Per: time.Second, Burst: 5}}, "")
	for i := range 5 {
		want(t, e.send(call{as: "lo-no", peer: fmt.Sprintf("198.51.100.%d", i+1), method: http.MethodPost, path: "/api/v1/requests", body: draft()}), 201)
	}
	wantLimited(t, e.send(call{as: "lo-no", peer: "198.51.100.99", method: http.MethodPost, path: "/api/v1/requests", body: draft()}), "1")
}
