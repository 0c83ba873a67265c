package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Helpers of the hardening tests (rate limits, identity provider, OWASP).

// rebuild replaces e's server with one on the same database whose
// dependencies change has altered: a limiter, an address extractor, an IdP.
func (e *env) rebuild(change func(d *Deps)) {
	e.t.Helper()
	d := e.srv.Deps
	change(&d)
	e.srv = New(d)
}

// limited rebuilds e's server with the given limits on a clock the test moves.
func (e *env) limited(l RateLimits, trusted string) *fakeClock {
	e.t.Helper()
	nets, err := ParseTrustedProxies(trusted)
	if err != nil {
		e.t.Fatal(err)
	}
	clock := &fakeClock{t: testNow}
	if l.MaxKeys == 0 {
		l.MaxKeys = 1000
	}
	e.rebuild(func(d *Deps) {
		d.Limiter = NewRateLimiter(l, clock.now)
		d.ClientAddress = ClientAddress(nets)
	})
	return clock
}

// call is one HTTP request of a hardening test: who (a test user, or a raw
// Authorization value with "raw:"), from which TCP peer, with which headers.
type call struct {
	as, peer, method, path string
	body                   any
	headers                []string
	// offSpec skips the OpenAPI check: for requests outside the documented
	// API (path spellings, HEAD), whose answers the document cannot describe.
	offSpec bool
}

// send serves c through the real handler, validates the response against the
// OpenAPI document, and returns it.
func (e *env) send(c call) resp {
	e.t.Helper()
	var rd *bytes.Reader
	switch b := c.body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req := httptest.NewRequest(c.method, c.path, rd)
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.peer != "" {
		req.RemoteAddr = c.peer + ":40000"
	}
	switch {
	case strings.HasPrefix(c.as, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(c.as, "raw:"))
	case c.as != "":
		req.Header.Set("Authorization", "Bearer "+e.tokens[c.as])
	}
	for i := 0; i+1 < len(c.headers); i += 2 {
		req.Header.Set(c.headers[i], c.headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.Handler().ServeHTTP(rec, req)
	r := resp{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	if !c.offSpec {
		checkResponse(e.t, e.spec, req, r.Status, r.Header, r.Body)
	}
	return r
}

// wantLimited checks a 429 problem with a Retry-After of secs seconds.
func wantLimited(t testing.TB, r resp, secs string) {
	t.Helper()
	wantProblem(t, r, http.StatusTooManyRequests, codeRateLimited)
	if got := r.Header.Get("Retry-After"); got != secs {
		t.Fatalf("Retry-After %q, want %q", got, secs)
	}
}

// wantLimitedBy is wantLimited whose detail names the limit hit: it
// starts with what and ends with the wait Retry-After gives.
func wantLimitedBy(t testing.TB, r resp, secs, what string) {
	t.Helper()
	wantLimited(t, r, secs)
	detail, _ := r.JSON(t)["detail"].(string)
	if want := what + "; retry after " + secs + " seconds"; detail != want {
		t.Fatalf("detail %q, want %q", detail, want)
	}
}

// perSecond is a Rate of n per second with a burst of n.
func perSecond(n int) Rate { return Rate{Events: float64(n), Per: time.Second, Burst: n} }
