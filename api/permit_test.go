package api

import (
	"net/http"
	"reflect"
	"strings"
	"testing"

	"exaccess/auditlog"
)

// withPermits gives the env's server permits signed with its audit log's key.
func withPermits(t testing.TB, e *env) *env {
	t.Helper()
	withAuditLog(t, e)
	d := e.srv.Deps
	d.Permits = auditlog.NewPermitService(e.db, d.Audit.(*auditlog.Service).Signer(), e.clock)
	e.srv = New(d)
	return e
}

// An approved request's permit verifies offline with the published key and
// names the audit entry that approved it; its public status says valid,
// then revoked, and nothing else.
func TestPermitSignedAndStatus(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		withPermits(t, e)
		id, tag := e.submitted(draft())
		wantProblem(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id+"/permit", nil), 404, "not_found")
		r := e.decide("hns", id, tag, "intake", "approve", "", "escort on public roads")
		want(t, r, 200)
		for _, sw := range [][2]string{{"range_safety", "range"}, {"operations", "ops"}} { // range safety only when the route has it
			if d := e.decide(sw[1], id, r.Header.Get("ETag"), sw[0], "approve", ""); d.Status == 200 {
				r = d
			}
		}
		req := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)
		if req["status"] != "approved" {
			t.Fatalf("request %v", req["status"])
		}
		ref := req["reference"].(string)
		p := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id+"/permit", nil)
		want(t, p, 200)
		st, err := auditlog.OpenPermit(p.Body, e.auditKey())
		if err != nil {
			t.Fatalf("permit %s: %v", p.Body, err)
		}
		if st.Reference != ref || st.Nation != "NO" || st.Status != "approved" || len(st.Conditions) != 1 ||
			st.StatusPath != "/api/v1/permits/"+ref+"/status" {
			t.Errorf("statement %+v", st)
		}
		hist := e.do("auditor", http.MethodGet, "/api/v1/requests/"+id+"/history", nil).JSON(t)["items"].([]any)
		if last := hist[len(hist)-1].(map[string]any); int64(last["index"].(float64)) != st.AuditIndex {
			t.Errorf("audit index %d, the approval is %v", st.AuditIndex, last["index"])
		}
		tampered := strings.Replace(string(p.Body), `"NO"`, `"DE"`, 1)
		if _, err := auditlog.OpenPermit([]byte(tampered), e.auditKey()); err == nil {
			t.Error("an edited permit verified")
		}
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+id+"/permit", nil), 404, "not_found")

		s := e.do("", http.MethodGet, "/api/v1/permits/"+ref+"/status", nil)
		want(t, s, 200)
		if string(s.Body) != `{"status":"valid"}`+"\n" {
			t.Errorf("status %s", s.Body)
		}
		want(t, e.do("ops", http.MethodPost, "/api/v1/requests/"+id+"/revoke", map[string]any{"reason": "exercise cancelled"},
			"If-Match", e.do("ops", http.MethodGet, "/api/v1/requests/"+id, nil).Header.Get("ETag")), 200)
		if s := e.do("", http.MethodGet, "/api/v1/permits/"+ref+"/status", nil); !strings.Contains(string(s.Body), `"revoked"`) {
			t.Errorf("status after revocation %s", s.Body)
		}
		wantProblem(t, e.do("", http.MethodGet, "/api/v1/permits/SE-2026-EXA-999999/status", nil), 404, "not_found")
	})
}

// The public status route answers a reference in use by a request without
// a permit (in review) exactly as one never drawn: anyone could otherwise
// walk the references and count a year's submissions.
func TestPermitStatusHidesWhichReferencesExist(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		withPermits(t, e)
		id, _ := e.submitted(draft())
		ref, _ := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(t)["reference"].(string)
		if ref == "" {
			t.Fatal("a submitted request has no reference")
		}
		unused := ref[:len(ref)-1] + "9" // same year and form, never drawn in this test
		if unused == ref {
			unused = ref[:len(ref)-1] + "8"
		}
		inReview := e.do("", http.MethodGet, "/api/v1/permits/"+ref+"/status", nil)
		never := e.do("", http.MethodGet, "/api/v1/permits/"+unused+"/status", nil)
		wantProblem(t, inReview, 404, "not_found")
		wantProblem(t, never, 404, "not_found")
		a, b := inReview.JSON(t), never.JSON(t)
		delete(a, "instance")
		delete(b, "instance")
		if !reflect.DeepEqual(a, b) {
			t.Errorf("a reference in review answers %v, one never drawn %v", a, b)
		}
		if a["detail"] != "permit not found" {
			t.Errorf("detail %v", a["detail"])
		}
	})
}
