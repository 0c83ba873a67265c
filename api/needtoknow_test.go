package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// probe is a German liaison officer's attack on another nation's booking of
// ravlunda (capacity 1200): a binary search over their own personnel, each
// step a create, submit and withdraw, reading only the submit warnings. It
// returns what the officer saw at each step and the smallest personnel count
// that drew a capacity warning.
func probe(t *testing.T, e *env) (transcript []string, threshold int) {
	t.Helper()
	lo, hi := 1, 1200 // the warning is off at lo-1 = 0 and on at hi+... (checked below)
	for lo < hi {
		mid := (lo + hi) / 2
		id, tag := e.create("lo-de", ravlundaDraft(mid, "2027-03-10", "2027-03-12"))
		s := e.do("lo-de", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag)
		want(t, s, 200)
		var seen []string
		for _, w := range s.JSON(t)["warnings"].([]any) {
			seen = append(seen, w.(map[string]any)["code"].(string)+": "+w.(map[string]any)["message"].(string))
		}
		transcript = append(transcript, fmt.Sprintf("%d → %s", mid, strings.Join(seen, " | ")))
		if len(seen) > 0 {
			hi = mid
		} else {
			lo = mid + 1
		}
		want(t, e.do("lo-de", http.MethodPost, "/api/v1/requests/"+id+"/withdraw", nil, "If-Match", s.Header.Get("ETag")), 200)
	}
	return transcript, lo
}

// TestBinarySearchProbe: a liaison officer who varies their personnel across
// submit/withdraw cycles learns nothing beyond "over capacity on day X". The
// warning text is the same for every count that draws one, and it names no
// request, nation or figure; and two worlds in which Norway booked 610 and
// 700 personnel give the officer identical transcripts, so the probe cannot
// tell them apart (it learns the step of a tenth of the capacity the others'
// load is in, never a booking's size).
func TestBinarySearchProbe(t *testing.T) {
	var transcripts [][]string
	var thresholds []int
	for _, norway := range []int{610, 700} {
		e := newEnv(t, t.TempDir()+"/probe.db")
		e.submitted(ravlundaDraft(norway, "2027-03-05", "2027-03-12"))
		ref := e.do("ops", http.MethodGet, "/api/v1/requests?status=in_review", nil).JSON(t)["items"].([]any)[0].(map[string]any)["reference"].(string)
		tr, th := probe(t, e)
		for _, line := range tr {
			_, msg, _ := strings.Cut(line, " → ")
			if msg != "" && msg != "area_capacity: Ravlunda skjutfält would be over capacity on 10–12 March 2027" {
				t.Errorf("Norway %d: the warning says more than the days: %q", norway, msg)
			}
			if strings.Contains(msg, ref) || strings.Contains(msg, "NO") || strings.Contains(msg, fmt.Sprint(norway)) {
				t.Errorf("Norway %d: the warning names the other booking: %q", norway, msg)
			}
		}
		transcripts, thresholds = append(transcripts, tr), append(thresholds, th)
	}
	if !slices.Equal(transcripts[0], transcripts[1]) {
		t.Fatalf("the probe tells Norway's 610 from 700:\n%v\n%v", transcripts[0], transcripts[1])
	}
	// Both loads count as the step 720: the warning starts at 1200-720+1.
	if thresholds[0] != 481 || thresholds[1] != 481 {
		t.Fatalf("thresholds %v, want 481 in both worlds", thresholds)
	}
	if len(transcripts[0]) < 5 {
		t.Fatalf("the probe made %d steps; it should have searched: %v", len(transcripts[0]), transcripts[0])
	}
}

// TestCycleRateLimit: creates, submits and withdrawals share one bucket per
// user; past it the officer waits, and another officer is untouched.
func TestCycleRateLimit(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/cycles.db")
	clock := e.limited(RateLimits{Cycles: Rate{Events: 3, Per: time.Minute, Burst: 3}}, "")
	as := func(who, method, path string, body any, headers ...string) call {
		return call{as: who, peer: "198.51.100.7", method: method, path: path, body: body, headers: headers}
	}
	c := e.send(as("lo-de", http.MethodPost, "/api/v1/requests", draft()))
	want(t, c, 201)
	id := c.JSON(t)["id"].(string)
	s := e.send(as("lo-de", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", c.Header.Get("ETag")))
	want(t, s, 200)
	want(t, e.send(as("lo-de", http.MethodPost, "/api/v1/requests/"+id+"/withdraw", nil, "If-Match", s.Header.Get("ETag"))), 200)
	wantLimitedBy(t, e.send(as("lo-de", http.MethodPost, "/api/v1/requests", draft())), "20",
		"too many creates, submits and withdrawals of requests by this user")
	// A dry run tells the areas' load as submit does: it is a cycle too.
	wantLimited(t, e.send(as("lo-de", http.MethodPost, "/api/v1/policy/evaluate", draft())), "20")
	// Reading is not a cycle; another officer has a bucket of their own.
	want(t, e.send(as("lo-de", http.MethodGet, "/api/v1/requests/"+id, nil)), 200)
	want(t, e.send(as("lo-no", http.MethodPost, "/api/v1/requests", draft())), 201)
	clock.advance(20 * time.Second)
	want(t, e.send(as("lo-de", http.MethodPost, "/api/v1/requests", draft())), 201)
}
