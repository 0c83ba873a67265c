package api

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/internal/testlog"

	"github.com/labstack/echo/v4"
)

// OWASP API8:2023 Security Misconfiguration. Every answer — success or any
// error, including 429 and 500 — carries the security headers, names no
// server software, allows no cross-origin reads, and an internal error shows
// the caller nothing but a request id.
func TestAPI8HeadersOnEveryResponse(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/api8.db")
	e.limited(RateLimits{SignIn: Rate{Events: 1, Per: time.Minute, Burst: 1}}, "")
	id, tag := e.create("lo-no", draft())
	signIn := map[string]any{"username": "nobody", "password": "x"}
	cases := []struct {
		status int
		c      call
	}{
		{200, call{as: "lo-no", method: http.MethodGet, path: "/api/v1/me"}},
		{201, call{as: "lo-no", method: http.MethodPost, path: "/api/v1/requests", body: draft()}},
		{304, call{as: "lo-no", method: http.MethodGet, path: "/api/v1/requests/" + id, headers: []string{"If-None-Match", tag}}},
		{400, call{as: "lo-no", method: http.MethodPost, path: "/api/v1/requests", body: "{"}},
		{401, call{method: http.MethodGet, path: "/api/v1/me"}},
		{403, call{as: "admin", method: http.MethodGet, path: "/api/v1/requests"}},
		{404, call{as: "lo-de", method: http.MethodGet, path: "/api/v1/requests/" + id}},
		{404, call{method: http.MethodGet, path: "/nowhere"}},
		{405, call{as: "lo-no", method: http.MethodDelete, path: "/api/v1/requests"}},
		{412, call{as: "lo-no", method: http.MethodPatch, path: "/api/v1/requests/" + id, body: map[string]any{"purpose": "x"}, headers: []string{"If-Match", `"9"`}}},
		{413, call{as: "lo-no", method: http.MethodPost, path: "/api/v1/requests", body: `"` + strings.Repeat("x", MaxBodyBytes) + `"`}},
		{415, call{as: "lo-no", method: http.MethodPost, path: "/api/v1/requests", body: "x=1", headers: []string{"Content-Type", "text/plain"}}},
		{422, call{as: "lo-no", method: http.MethodPost, path: "/api/v1/requests", body: map[string]any{}}},
		{428, call{as: "lo-no", method: http.MethodPatch, path: "/api/v1/requests/" + id, body: map[string]any{"purpose": "x"}}},
		{401, call{method: http.MethodPost, path: "/api/v1/auth/token", body: signIn}},
		{429, call{method: http.MethodPost, path: "/api/v1/auth/token", body: signIn}},
	}
	for _, tc := range cases {
		tc.c.headers = append(tc.c.headers, "Origin", "https://evil.example")
		r := e.send(tc.c)
		if r.Status != tc.status {
			t.Errorf("%s %s: status %d, want %d", tc.c.method, tc.c.path, r.Status, tc.status)
		}
		checkHardenedHeaders(t, tc.c.method+" "+tc.c.path, r.Header)
	}
}

func checkHardenedHeaders(t *testing.T, where string, h http.Header) {
	t.Helper()
	for name, want := range map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	} {
		if got := h.Get(name); got != want {
			t.Errorf("%s: %s = %q, want %q", where, name, got, want)
		}
	}
	for _, leak := range []string{"Server", "X-Powered-By", "Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Strict-Transport-Security"} {
		if v := h.Get(leak); v != "" {
			t.Errorf("%s: %s: %q", where, leak, v)
		}
	}
	if h.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", where)
	}
}

// TestAPI8HSTSBehindTLS: Strict-Transport-Security is sent when the
// connection is TLS, and not over plain HTTP (where it means nothing).
func TestAPI8HSTSBehindTLS(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/hsts.db")
	req := httptest.NewRequest(http.MethodGet, "https://exaccess.example/api/v1/openapi.yaml", nil)
	req.TLS = &tls.ConnectionState{HandshakeComplete: true}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	if got := rec.Header().Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Fatalf("HSTS over TLS = %q", got)
	}
}

// failingUsers stands in for a database that fails with a message full of
// secrets, which must reach the log and never the caller.
type failingUsers struct{}

const dbSecret = `pq: password authentication failed for user "app" (dsn postgres://app:s3cret@db:5432/exaccess)`

func (failingUsers) GetUserByUsername(context.Context, string) (*domain.User, error) {
	return nil, errors.New(dbSecret)
}

// TestAPI8InternalErrorsDoNotLeak: a failing dependency and a panicking
// handler both answer the generic 500 with a request id; the log has the
// cause; neither log nor body has the caller's token or password.
func TestAPI8InternalErrorsDoNotLeak(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/leak.db")
	var log testlog.Buffer
	e.rebuild(func(d *Deps) {
		d.Users = failingUsers{}
		d.Log = slog.New(slog.NewJSONHandler(&log, nil))
	})
	e.srv.echo.GET("/api/v1/boom", func(echo.Context) error { panic("runtime state: " + dbSecret) })
	r := e.send(call{method: http.MethodPost, path: "/api/v1/auth/token", body: map[string]any{"username": "lo-no", "password": "hunter2-secret-pw"}})
	boom := e.send(call{as: "lo-no", method: http.MethodGet, path: "/api/v1/boom", offSpec: true})
	for _, res := range []resp{r, boom} {
		wantProblem(t, res, 500, "internal")
		body := string(res.Body)
		if strings.Contains(body, "s3cret") || strings.Contains(body, "pq:") || strings.Contains(body, "panic") ||
			!strings.Contains(body, res.Header.Get("X-Request-Id")) {
			t.Errorf("500 body: %s", body)
		}
		checkHardenedHeaders(t, "500", res.Header)
	}
	logged := log.String()
	if !strings.Contains(logged, "password authentication failed") || !strings.Contains(logged, r.Header.Get("X-Request-Id")) {
		t.Errorf("the cause is not in the log with the request id:\n%s", logged)
	}
	if strings.Contains(logged, "hunter2-secret-pw") || strings.Contains(logged, e.tokens["lo-no"]) {
		t.Errorf("the log holds a password or a token:\n%s", logged)
	}
}
