package api

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
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
// It measures; it asserts nothing about time. Norway's request is a plain
// draft ("plain") and a large one ("large": largeDraft), which a refusal
// must not read (domain.RequestHead).
//
//	go test -run '^$' -bench NotFoundTiming -benchtime 1x ./api/
func BenchmarkNotFoundTiming(b *testing.B) {
	for _, c := range storagetest.Databases(b) {
		b.Run(c.Name, func(b *testing.B) {
			e := newEnv(b, c.DSN)
			ts := httptest.NewServer(e.srv.Handler())
			defer ts.Close()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
			plain, _ := e.create("lo-no", plainDraft())
			large, _ := e.create("lo-no", largeDraft())
			for _, size := range []struct{ name, id string }{{"plain", plain}, {"large", large}} {
				b.Run(size.name, func(b *testing.B) { notFoundPairs(b, client, ts.URL, e.tokens["lo-de"], size.id) })
			}
		})
	}
}

// notFoundPairs times the pairs of BenchmarkNotFoundTiming on foreign.
func notFoundPairs(b *testing.B, client *http.Client, base, token, foreign string) {
	get := func(id string) time.Duration {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/requests/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
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
		b.Name(), len(fs), medianMS(fs), medianMS(us), medianMS(diffs))
}

// largeDraft is plainDraft at the size of the largest requests: a purpose
// of 4,000 characters and 500 aircraft and 500 vessels, each named at
// length (about 300 KB stored).
func largeDraft() map[string]any {
	aircraft, vessels := make([]any, 500), make([]any, 500)
	for i := range 500 {
		aircraft[i] = map[string]any{"type": fmt.Sprintf("F-35A %03d %s", i, strings.Repeat("a", 180)), "count": 1, "armed": false}
		vessels[i] = map[string]any{"name": fmt.Sprintf("KNM %03d %s", i, strings.Repeat("v", 180)), "kind": "warship", "crew": 10}
	}
	d := with(with(plainDraft(), "aircraft", aircraft), "vessels", vessels)
	return with(d, "purpose", strings.Repeat("p", 4000))
}

func medianMS(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}
