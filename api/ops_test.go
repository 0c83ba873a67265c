package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHealthReadinessAndMetrics: liveness, readiness and metrics tell the
// truth, also when the database goes away.
func TestHealthReadinessAndMetrics(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/ops.db")
	want(t, e.do("", http.MethodGet, "/healthz", nil), 200)
	ready := e.do("", http.MethodGet, "/readyz", nil)
	if ready.Status != 200 || ready.JSON(t)["status"] != "ready" {
		t.Fatalf("readyz: %d %s", ready.Status, ready.Body)
	}
	id, tag := e.submitted(plainDraft())
	want(t, e.decide("hns", id, tag, "intake", "approve", ""), 200)

	metrics := scrape(t, e)
	for _, line := range []string{
		`exaccess_decisions_total{outcome="approve"} 1`,
		`exaccess_http_requests_total{status="200"}`,
		`exaccess_http_request_duration_seconds_bucket{method="POST",route="/api/v1/requests/:id/decisions",status="200",le="+Inf"} 1`,
		`exaccess_overdue_stages `,
		`exaccess_audit_log_entries`,
		`exaccess_db_connections_open{pool="writer"}`,
		`exaccess_storage_scrape_errors 0`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, line) {
			t.Errorf("metrics lack %q", line)
		}
	}
	if strings.Contains(metrics, id) {
		t.Error("metrics carry a request id: routes must be templates")
	}

	// The database goes away: liveness stays, readiness and metrics say so.
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	want(t, e.do("", http.MethodGet, "/healthz", nil), 200)
	down := e.do("", http.MethodGet, "/readyz", nil)
	if down.Status != 503 || down.JSON(t)["code"] != "unavailable" {
		t.Fatalf("readyz with the database closed: %d %s", down.Status, down.Body)
	}
	if m := scrape(t, e); !strings.Contains(m, "exaccess_storage_scrape_errors 1") {
		t.Errorf("metrics do not report the storage failure")
	}
}

// scrape reads /metrics as text from the metrics listener's handler.
func scrape(t *testing.T, e *env) string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	rec := httptest.NewRecorder()
	e.srv.MetricsHandler().ServeHTTP(rec, req)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("metrics: %d %v", rec.Code, rec.Header())
	}
	return rec.Body.String()
}

// TestMetricsNotOnThePublicPort: the public handler answers /metrics (in any
// spelling) as a path that does not exist; the metrics handler serves
// /metrics and nothing else.
func TestMetricsNotOnThePublicPort(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/metrics.db")
	for _, path := range []string{"/metrics", "/metrics/", "/Metrics", "/%6detrics"} {
		r := e.send(call{method: http.MethodGet, path: path, offSpec: true})
		if r.Status != 404 || strings.Contains(string(r.Body), "go_goroutines") {
			t.Errorf("public %s: %d %s", path, r.Status, r.Body)
		}
	}
	if !strings.Contains(scrape(t, e), "exaccess_http_requests_total") {
		t.Error("the metrics handler does not serve the metrics")
	}
	for _, path := range []string{"/api/v1/me", "/healthz", "/"} {
		rec := httptest.NewRecorder()
		e.srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != 404 {
			t.Errorf("metrics listener serves %s: %d", path, rec.Code)
		}
	}
}

// TestReadyzComponents: a background-checked component is reported by
// name; a failing one turns the status to degraded and keeps 200 (mail
// waits in the outbox); the answer conforms to openapi.yaml (e.do checks).
func TestReadyzComponents(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/components.db")
	at := testNow
	mail := Component{Status: ComponentUnchecked}
	e.srv.Components = func() map[string]Component { return map[string]Component{"mail": mail} }
	for _, c := range []struct {
		comp   Component
		status string
	}{
		{Component{Status: ComponentUnchecked, Detail: "first check pending", Since: &at}, "ready"},
		{Component{Status: ComponentOK, CheckedAt: &at, Since: &at}, "ready"},
		{Component{Status: "unreachable", Detail: "queued and retried", CheckedAt: &at, Since: &at}, "degraded"},
	} {
		mail = c.comp
		r := e.do("", http.MethodGet, "/readyz", nil)
		if r.Status != 200 {
			t.Fatalf("readyz with mail %s: %d %s", c.comp.Status, r.Status, r.Body)
		}
		body := r.JSON(t)
		got, _ := body["components"].(map[string]any)["mail"].(map[string]any)
		if body["status"] != c.status || got["status"] != c.comp.Status || got["detail"] != nilIfEmpty(c.comp.Detail) {
			t.Errorf("readyz with mail %s: %s", c.comp.Status, r.Body)
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// TestMetricsLabelsAreBounded: odd methods and paths from an anonymous
// client add no series: the method becomes OTHER, the route a template.
func TestMetricsLabelsAreBounded(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/labels.db")
	series := func() (n int) {
		for _, line := range strings.Split(scrape(t, e), "\n") {
			if strings.HasPrefix(line, "exaccess_http_request") {
				n++
			}
		}
		return n
	}
	odd := func(i int) {
		for _, c := range []call{
			{method: fmt.Sprintf("XMETHOD%d", i), path: "/api/v1/requests", offSpec: true},
			{method: fmt.Sprintf("get%d", i), path: fmt.Sprintf("/healthz/%d", i), offSpec: true},
			{method: http.MethodGet, path: fmt.Sprintf("/nowhere-%d/x%d", i, i), offSpec: true},
			{method: http.MethodGet, path: fmt.Sprintf("/api/v1/requests/%d/nothing/%d", i, i), offSpec: true},
			{method: http.MethodPost, path: fmt.Sprintf("/api/v1/no-such-%d", i), offSpec: true},
		} {
			if r := e.send(c); r.Status < 400 {
				t.Fatalf("%s %s: %d", c.method, c.path, r.Status)
			}
		}
	}
	odd(0)
	before := series()
	for i := 1; i <= 5; i++ {
		odd(i)
	}
	m := scrape(t, e)
	if after := series(); after != before {
		t.Errorf("odd requests grew the HTTP series from %d to %d:\n%s", before, after, m)
	}
	for _, leak := range []string{"XMETHOD", "get1", "nowhere-", "no-such-", "/nothing/"} {
		if strings.Contains(m, leak) {
			t.Errorf("metrics carry %q from a request", leak)
		}
	}
	if !strings.Contains(m, `method="OTHER"`) {
		t.Error("an odd method is not counted as OTHER")
	}
}
