package api

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestRefusalFloodRecordedOnce: another nation's officer reading a request
// again and again, by its id and by its reference, is refused every time
// and written down once an hour; the repeats are counted in the metrics.
func TestRefusalFloodRecordedOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		id, _ := e.submitted(plainDraft())
		ref := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)["reference"].(string)
		for range 30 {
			for _, name := range []string{id, ref} {
				wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+name, nil), 404, "not_found")
			}
		}
		if who := e.refusals(id); strings.Join(who, ",") != "lo-de" {
			t.Fatalf("60 refused reads wrote refusals by %v, want one by lo-de", who)
		}
		if m := scrape(t, e); !strings.Contains(m, "exaccess_audit_refusals_suppressed_total 59\n") {
			t.Errorf("metrics lack 59 suppressed refusals:\n%s", grepLines(m, "refusals"))
		}
		// Another route is another attempt; an hour later, the same one is
		// written again.
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+id+"/history", nil), 404, "not_found")
		start := e.clock()
		e.clock = func() time.Time { return start.Add(time.Hour) }
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+ref, nil), 404, "not_found")
		if who := e.refusals(id); strings.Join(who, ",") != "lo-de,lo-de,lo-de" {
			t.Errorf("refusals by %v, want three by lo-de (read, history, read an hour later)", who)
		}
	})
}

// grepLines are the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
