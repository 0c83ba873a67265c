package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"exaccess/domain"
)

// The HTTP benchmarks of docs/product.md, "Targets": submit and decide through the real
// server over TCP on loopback, with SQLite in full-durability mode, 16
// clients at once. Compare with storage's BenchmarkRawSQLiteSubmit (the same
// request and audit rows written with database/sql and the same settings).
//
//	go test -run '^$' -bench 'HTTP' -benchtime 3000x ./api/

// benchServer is a real server on a fresh SQLite file, on a TCP port.
func benchServer(b *testing.B) (*env, *httptest.Server, *http.Client) {
	b.Helper()
	e := newEnv(b, filepath.Join(b.TempDir(), "bench.db"))
	ts := httptest.NewServer(e.srv.Handler())
	b.Cleanup(ts.Close)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return e, ts, client
}

// plainDraft needs intake and operations only.
func plainDraft() map[string]any {
	return with(with(draft(), "training_areas", nil), "weapons", map[string]any{"live_fire": false, "systems": []any{}})
}

// drafts creates n drafts as lo-no through the service, outside the timer.
func (e *env) drafts(b *testing.B, n int) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i], _ = e.create("lo-no", plainDraft())
	}
	return ids
}

// post sends one POST with If-Match and returns the status and latency.
func post(client *http.Client, url, token, ifMatch, body string) (int, time.Duration, error) {
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("If-Match", ifMatch)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), nil
}

// runParallel sends one call per id from 16 goroutines and reports
// throughput and latency percentiles.
func runParallel(b *testing.B, ids []string, call func(id string) (int, time.Duration, error)) {
	b.Helper()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 clients
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := ids[next.Add(1)-1]
			status, d, err := call(id)
			if err != nil || status != http.StatusOK {
				b.Errorf("status %d, err %v", status, err)
				return
			}
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

func BenchmarkSubmitHTTP(b *testing.B) {
	e, ts, client := benchServer(b)
	ids := e.drafts(b, b.N)
	token := e.tokens["lo-no"]
	runParallel(b, ids, func(id string) (int, time.Duration, error) {
		return post(client, ts.URL+"/api/v1/requests/"+id+"/submit", token, `"1"`, "")
	})
}

func BenchmarkDecideHTTP(b *testing.B) {
	e, ts, client := benchServer(b)
	ids := e.drafts(b, b.N)
	for _, id := range ids {
		if _, err := e.srv.Requests.Submit(context.Background(), domain.Principal{Subject: "lo-no",
			Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"}, id, 1); err != nil {
			b.Fatal(err)
		}
	}
	token := e.tokens["hns"]
	body := `{"stage":"intake","outcome":"approve","comment":"complete"}`
	runParallel(b, ids, func(id string) (int, time.Duration, error) {
		return post(client, ts.URL+"/api/v1/requests/"+id+"/decisions", token, `"2"`, body)
	})
}
