package api

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"exaccess/storage/storagetest"

	"github.com/google/uuid"
)

// BenchmarkNotFoundTiming measures whether timing tells a liaison officer
// that another nation's request id exists (docs/security.md): 150 pairs of
// GET /api/v1/requests/{id} by Germany's officer through the real server
// over loopback TCP, one on Norway's request, one on a fresh unknown id, the
// order alternating pair by pair so that drift falls on both alike. It
// reports the medians of each and the median of the paired differences.
// It measures; it asserts nothing about time.
//
//	go test -run '^$' -bench NotFoundTiming -benchtime 1x ./api/
func BenchmarkNotFoundTiming(b *testing.B) {
	for _, c := range storagetest.Databases(b) {
		b.Run(c.Name, func(b *testing.B) {
			e := newEnv(b, c.DSN)
			ts := httptest.NewServer(e.srv.Handler())
			defer ts.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			foreign, _ := e.create("lo-no", plainDraft())
			get := func(id string) time.Duration {
				req, _ := http.NewRequest(http.MethodGet, ts.URL+"/api/v1/requests/"+id, nil)
				req.Header.Set("Authorization", "Bearer "+e.tokens["lo-de"])
				start := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				d := time.Since(start)
				if resp.StatusCode != http.StatusNotFound {
					b.Fatalf("status %d", resp.StatusCode)
				}
				return d
			}
			get(foreign) // warm the connection and the statement caches
			get(uuid.Must(uuid.NewV7()).String())
			const pairs = 150
			var fs, us, diffs []time.Duration
			b.ResetTimer()
			for range b.N {
				for i := range pairs {
					var f, u time.Duration
					if i%2 == 0 {
						f, u = get(foreign), get(uuid.Must(uuid.NewV7()).String())
					} else {
						u, f = get(uuid.Must(uuid.NewV7()).String()), get(foreign)
					}
					fs, us, diffs = append(fs, f), append(us, u), append(diffs, f-u)
				}
			}
			b.StopTimer()
			b.ReportMetric(medianMS(fs), "foreign-p50-ms")
			b.ReportMetric(medianMS(us), "unknown-p50-ms")
			b.ReportMetric(medianMS(diffs), "paired-diff-p50-ms")
			b.Logf("%s: %d pairs: foreign %.2f ms, unknown %.2f ms, paired difference %.3f ms (medians)",
				c.Name, len(fs), medianMS(fs), medianMS(us), medianMS(diffs))
		})
	}
}

func medianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}
