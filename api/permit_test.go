package api

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"exaccess/auditlog"
	"exaccess/internal/apptest"
)

// withPermits gives the env's server permits signed with its audit log's
// key, their check values keyed by its database's secret, and returns the
// permit service (for the check values a test needs).
func withPermits(t testing.TB, e *env) *auditlog.PermitService {
	t.Helper()
	withAuditLog(t, e)
	secret, err := e.db.PermitCheckSecret(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	d := e.srv.Deps
	permits, err := auditlog.NewPermitService(e.db, d.Audit.(*auditlog.Service).Signer(), secret, e.clock)
	if err != nil {
		t.Fatal(err)
	}
	d.Permits = permits
	e.srv = New(d)
	return permits
}

// approve takes a submitted request through every stage of its route.
func (e *env) approve(id, tag string) {
	e.t.Helper()
	r := e.decide("hns", id, tag, "intake", "approve", "", "escort on public roads")
	want(e.t, r, 200)
	for _, sw := range [][2]string{{"range_safety", "range"}, {"operations", "ops"}} { // range safety only when the route has it
		if d := e.decide(sw[1], id, r.Header.Get("ETag"), sw[0], "approve", ""); d.Status == 200 {
			r = d
		}
	}
	if st := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil).JSON(e.t)["status"]; st != "approved" {
		e.t.Fatalf("request %s is %v, not approved", id, st)
	}
}

// permitOf downloads the permit of an approved request and opens it.
func (e *env) permitOf(id string) auditlog.PermitJSON {
	e.t.Helper()
	p := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id+"/permit", nil)
	want(e.t, p, 200)
	st, err := auditlog.OpenPermit(p.Body, e.auditKey())
	if err != nil {
		e.t.Fatalf("permit %s: %v", p.Body, err)
	}
	return st
}

// An approved request's permit verifies offline with the published key and
// names no audit entry (the auditor's history of the request does); its
// public status says valid, then revoked, and nothing else.
func TestPermitSignedAndStatus(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		permits := withPermits(t, e)
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
			st.StatusPath != "/api/v1/permits/"+ref+"/status?check="+permits.Check(ref) || len(permits.Check(ref)) != auditlog.PermitCheckLen {
			t.Errorf("statement %+v", st)
		}
		// No audit index: the gaps between a nation's permits' indexes
		// would count every other nation's entries. An auditor finds the
		// approval in the request's history, which shows them its index.
		if st.AuditIndex != nil || strings.Contains(string(p.Body), "audit_index") {
			t.Errorf("the permit names an audit entry: %s", p.Body)
		}
		hist := e.do("auditor", http.MethodGet, "/api/v1/requests/"+id+"/history", nil).JSON(t)["items"].([]any)
		if last := hist[len(hist)-1].(map[string]any); last["action"] != "request.decided" || last["index"] == nil {
			t.Errorf("the auditor's history does not end with the approval and its index: %v", last)
		}
		tampered := strings.Replace(string(p.Body), `"NO"`, `"DE"`, 1)
		if _, err := auditlog.OpenPermit([]byte(tampered), e.auditKey()); err == nil {
			t.Error("an edited permit verified")
		}
		wantProblem(t, e.do("lo-de", http.MethodGet, "/api/v1/requests/"+id+"/permit", nil), 404, "not_found")

		s := e.do("", http.MethodGet, st.StatusPath, nil)
		want(t, s, 200)
		if string(s.Body) != `{"status":"valid"}`+"\n" {
			t.Errorf("status %s", s.Body)
		}
		want(t, e.do("ops", http.MethodPost, "/api/v1/requests/"+id+"/revoke", map[string]any{"reason": "exercise cancelled"},
			"If-Match", e.do("ops", http.MethodGet, "/api/v1/requests/"+id, nil).Header.Get("ETag")), 200)
		if s := e.do("", http.MethodGet, st.StatusPath, nil); !strings.Contains(string(s.Body), `"revoked"`) {
			t.Errorf("status after revocation %s", s.Body)
		}
		wantProblem(t, e.do("", http.MethodGet, "/api/v1/permits/SE-2026-EXA-999999/status", nil), 404, "not_found")
	})
}

// The public status route answers only whoever holds the permit: without
// its check value, with a wrong one, one too long, or another permit's,
// the answer is the very 404 of a reference never drawn, and so is that of
// a reference in use by a request without a permit (in review), even with
// the check value its reference would have. Anyone could otherwise walk the
// references, drawn in sequence, and count a year's submissions, approvals,
// revocations and expiries.
func TestPermitStatusHidesWhichReferencesExist(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		permits := withPermits(t, e)
		id, tag := e.submitted(draft())
		e.approve(id, tag)
		approved := e.permitOf(id).Reference
		second := draft()
		second["exercise_name"] = "Cold Response 27, second wave"
		second["training_areas"] = []any{}
		id2, tag2 := e.submitted(second)
		e.approve(id2, tag2)
		other := e.permitOf(id2).Reference
		id3, _ := e.submitted(draft())
		inReview, _ := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id3, nil).JSON(t)["reference"].(string)
		if approved == "" || other == "" || inReview == "" {
			t.Fatal("a submitted request has no reference")
		}
		unused := inReview[:len(inReview)-1] + "9" // same year and form, never drawn in this test
		if unused == inReview || unused == approved || unused == other {
			t.Fatalf("pick another unused reference than %s", unused)
		}
		status := func(ref, query string) string { return "/api/v1/permits/" + ref + "/status" + query }
		right := permits.Check(approved)
		if s := e.do("", http.MethodGet, status(approved, "?check="+right), nil); string(s.Body) != `{"status":"valid"}`+"\n" {
			t.Fatalf("with its check value: %d %s", s.Status, s.Body)
		}
		wrong := []byte(right)
		wrong[0] ^= 1 // still base64url, same length
		never := e.do("", http.MethodGet, status(unused, ""), nil)
		wantProblem(t, never, 404, "not_found")
		b := never.JSON(t)
		delete(b, "instance")
		if b["detail"] != "permit not found" {
			t.Errorf("detail %v", b["detail"])
		}
		for what, path := range map[string]string{
			"an approved permit without its check value":       status(approved, ""),
			"an approved permit with an empty check value":     status(approved, "?check="),
			"an approved permit with a wrong check value":      status(approved, "?check="+string(wrong)),
			"an approved permit with its check value and more": status(approved, "?check="+right+"A"),
			"an approved permit with an over-long check value": status(approved, "?check="+strings.Repeat(right, 200)),
			"an approved permit with its check value cut":      status(approved, "?check="+right[:len(right)-1]),
			"an approved permit with another permit's check":   status(approved, "?check="+permits.Check(other)),
			"an approved permit with its reference's case off": status(strings.ToLower(approved), "?check="+right),
			"a reference in review":                            status(inReview, ""),
			"a reference in review with its check value":       status(inReview, "?check="+permits.Check(inReview)),
			"a reference never drawn with its check value":     status(unused, "?check="+permits.Check(unused)),
		} {
			r := e.do("", http.MethodGet, path, nil)
			wantProblem(t, r, 404, "not_found")
			a := r.JSON(t)
			delete(a, "instance")
			if !reflect.DeepEqual(a, b) {
				t.Errorf("%s answers %v, a reference never drawn %v", what, a, b)
			}
		}
	})
}

// The status route, public, is rate limited per address like every route.
func TestPermitStatusRateLimited(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/permit-rate.db")
	permits := withPermits(t, e)
	e.limited(RateLimits{PerAddress: perSecond(2)}, "")
	ref := "SE-2026-EXA-000001"
	path := "/api/v1/permits/" + ref + "/status?check=" + permits.Check(ref)
	for range 2 {
		wantProblem(t, e.send(call{peer: "198.51.100.7", method: http.MethodGet, path: path}), 404, "not_found")
	}
	wantLimited(t, e.send(call{peer: "198.51.100.7", method: http.MethodGet, path: path}), "1")
}

// The key that signs checkpoints signs permits too: once the log records
// a newer key than this server's, a permit it signed would verify only
// with a key the log calls retired. The permit route answers 503
// unavailable, saying the key was replaced and an operator must restart
// the server with the current key; /readyz says so too, still 200.
func TestPermitRefusedWithSupersededKey(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		permits := withPermits(t, e)
		audit := e.srv.Deps.Audit.(*auditlog.Service)
		audit.WithKeyCheck(e.db, "/keys/checkpoint.key", slog.New(slog.DiscardHandler))
		permits.WithKeyCheckOf(audit)
		id, tag := e.submitted(draft())
		e.approve(id, tag)
		e.permitOf(id) // the key is still the log's latest (none recorded yet)

		apptest.Supersede(t, e.db, audit.VerifierKey(), e.clock())
		r := e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id+"/permit", nil)
		wantProblem(t, r, http.StatusServiceUnavailable, "unavailable")
		detail, _ := r.JSON(t)["detail"].(string)
		for _, says := range []string{"signing key was replaced", "restart this server with the current key file"} {
			if !strings.Contains(detail, says) {
				t.Errorf("the refusal does not say %q: %s", says, r.Body)
			}
		}
		if r := e.do("", http.MethodGet, "/readyz", nil); r.Status != 200 || !strings.Contains(string(r.Body), "newer checkpoint signing key") {
			t.Errorf("/readyz: %d %s", r.Status, r.Body)
		}
	})
}
