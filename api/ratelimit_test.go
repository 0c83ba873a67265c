package api

import (
	"net/http"
	"testing"
	"time"
)

// TestRateLimitPerAddress: past its burst a client address gets 429 with
// Retry-After; another address is untouched; after the wait it passes.
func TestRateLimitPerAddress(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/rate.db")
	clock := e.limited(RateLimits{PerAddress: perSecond(3)}, "")
	me := call{as: "lo-no", peer: "198.51.100.7", method: http.MethodGet, path: "/api/v1/me"}
	for range 3 {
		want(t, e.send(me), 200)
	}
	limited := e.send(me)
	wantLimitedBy(t, limited, "1", "too many requests from this address")
	if limited.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Error("a 429 lacks the security headers")
	}
	// Public routes count too: the limit is on the address, not the token.
	wantLimited(t, e.send(call{peer: "198.51.100.7", method: http.MethodGet, path: "/.well-known/jwks.json"}), "1")
	want(t, e.send(call{as: "lo-no", peer: "198.51.100.8", method: http.MethodGet, path: "/api/v1/me"}), 200)
	clock.advance(time.Second)
	want(t, e.send(me), 200)
}

// TestRateLimitIgnoresSpoofedHeaders: with no trusted proxy, the address is
// the TCP peer; forwarded headers a client writes change nothing.
func TestRateLimitIgnoresSpoofedHeaders(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/spoof.db")
	e.limited(RateLimits{PerAddress: perSecond(2)}, "")
	from := func(headers ...string) call {
		return call{as: "lo-no", peer: "203.0.113.9", method: http.MethodGet, path: "/api/v1/me", headers: headers}
	}
	want(t, e.send(from()), 200)
	want(t, e.send(from()), 200)
	for _, h := range [][]string{
		{"X-Forwarded-For", "192.0.2.1"},
		{"X-Forwarded-For", "192.0.2.1, 192.0.2.2"},
		{"X-Real-IP", "192.0.2.3"},
		{"Forwarded", "for=192.0.2.4"},
		{"X-Forwarded-For", "127.0.0.1"},
	} {
		wantLimited(t, e.send(from(h...)), "1")
	}
}

// TestRateLimitBehindTrustedProxy: when the peer is a trusted proxy, the
// client is the rightmost untrusted hop of X-Forwarded-For; what a client
// prepends is not believed, and an untrusted peer's header is ignored.
func TestRateLimitBehindTrustedProxy(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/proxy.db")
	e.limited(RateLimits{PerAddress: perSecond(2)}, "10.0.0.0/8")
	via := func(peer, xff string) call {
		return call{as: "lo-no", peer: peer, method: http.MethodGet, path: "/api/v1/me", headers: []string{"X-Forwarded-For", xff}}
	}
	want(t, e.send(via("10.0.0.5", "198.51.100.7")), 200)
	want(t, e.send(via("10.0.0.6", "198.51.100.7")), 200)
	// The same client through either proxy, whatever it prepends, is spent.
	wantLimited(t, e.send(via("10.0.0.5", "198.51.100.7")), "1")
	wantLimited(t, e.send(via("10.0.0.5", "1.2.3.4, 198.51.100.7")), "1")
	wantLimited(t, e.send(via("10.0.0.5", "198.51.100.7, 10.0.0.9")), "1")
	// Another client behind the proxy has its own budget.
	want(t, e.send(via("10.0.0.5", "198.51.100.8")), 200)
	// Loopback and private ranges are not trusted unless configured.
	e.limited(RateLimits{PerAddress: perSecond(1)}, "10.0.0.0/8")
	want(t, e.send(via("127.0.0.1", "198.51.100.20")), 200)
	wantLimited(t, e.send(via("127.0.0.1", "198.51.100.21")), "1")
	want(t, e.send(via("192.168.1.1", "198.51.100.22")), 200)
	wantLimited(t, e.send(via("192.168.1.1", "198.51.100.23")), "1")
}

// TestRateLimitPerUser: a user is limited across addresses; others are not.
func TestRateLimitPerUser(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/user.db")
	e.limited(RateLimits{PerUser: perSecond(3)}, "")
	for i, peer := range []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"} {
		if r := e.send(call{as: "hns", peer: peer, method: http.MethodGet, path: "/api/v1/queue"}); r.Status != 200 {
			t.Fatalf("request %d: %d", i+1, r.Status)
		}
	}
	wantLimitedBy(t, e.send(call{as: "hns", peer: "192.0.2.4", method: http.MethodGet, path: "/api/v1/me"}), "1",
		"too many requests by this user")
	want(t, e.send(call{as: "range", peer: "192.0.2.1", method: http.MethodGet, path: "/api/v1/me"}), 200)
	// Anonymous requests are not charged to anybody.
	want(t, e.send(call{peer: "192.0.2.1", method: http.MethodGet, path: "/.well-known/jwks.json"}), 200)
}

// TestRateLimitSignIn: password guessing for one username from one address
// stops at five a minute, whatever the letter case; other usernames and
// other addresses are unaffected.
func TestRateLimitSignIn(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/signin.db")
	clock := e.limited(RateLimits{SignIn: Rate{Events: 5, Per: time.Minute, Burst: 5}}, "")
	guess := func(peer, user string) call {
		return call{peer: peer, method: http.MethodPost, path: "/api/v1/auth/token",
			body: map[string]any{"username": user, "password": "guess"}}
	}
	for _, u := range []string{"lo-no", "lo-no", "LO-NO", "lo-No", "lo-no"} {
		wantProblem(t, e.send(guess("198.51.100.7", u)), 401, "unauthorized")
	}
	wantLimitedBy(t, e.send(guess("198.51.100.7", "lo-no")), "12",
		"too many failed sign-ins for this username from this address")
	ok := e.send(call{peer: "198.51.100.7", method: http.MethodPost, path: "/api/v1/auth/token",
		body: map[string]any{"username": "hns", "password": "correct horse battery"}})
	want(t, ok, 200)
	wantProblem(t, e.send(guess("198.51.100.8", "lo-no")), 401, "unauthorized")
	// The body still reaches the handler whole after the limiter read it.
	wantProblem(t, e.send(call{peer: "198.51.100.9", method: http.MethodPost, path: "/api/v1/auth/token", body: `{"username":`}), 400, "bad_request")
	clock.advance(12 * time.Second)
	wantProblem(t, e.send(guess("198.51.100.7", "lo-no")), 401, "unauthorized")
}

// TestRateLimitSignInPerAddress: one address's failed sign-ins are
// limited whatever the usernames (password spraying: one guess for each of
// many usernames, which the per-username limit counts once each); other
// addresses are unaffected, successful sign-ins use up nothing, and an
// attempt the address limit refuses uses up nothing of its username's.
func TestRateLimitSignInPerAddress(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/signin-address.db")
	clock := e.limited(RateLimits{SignIn: Rate{Events: 1, Per: time.Minute, Burst: 1},
		SignInAddress: Rate{Events: 2, Per: time.Minute, Burst: 2}}, "")
	attempt := func(peer, user, password string) call {
		return call{peer: peer, method: http.MethodPost, path: "/api/v1/auth/token",
			body: map[string]any{"username": user, "password": password}}
	}
	for range 3 {
		want(t, e.send(attempt("198.51.100.7", "hns", "correct horse battery")), 200)
	}
	wantProblem(t, e.send(attempt("198.51.100.7", "nobody-1", "guess")), 401, "unauthorized")
	wantProblem(t, e.send(attempt("198.51.100.7", "nobody-2", "guess")), 401, "unauthorized")
	wantLimitedBy(t, e.send(attempt("198.51.100.7", "nobody-3", "guess")), "30",
		"too many failed sign-ins from this address")
	wantLimitedBy(t, e.send(attempt("198.51.100.7", "hns", "correct horse battery")), "30",
		"too many failed sign-ins from this address")
	wantProblem(t, e.send(attempt("198.51.100.8", "nobody-3", "guess")), 401, "unauthorized")
	// Half a minute gives the address one attempt back; nobody-3's own
	// bucket, which refills in a minute, was not charged by the refusal.
	clock.advance(30 * time.Second)
	wantProblem(t, e.send(attempt("198.51.100.7", "nobody-3", "guess")), 401, "unauthorized")
}

// TestRateLimitSignInKeyIsTheUsername: the limit counts attempts by the
// username as sign-in looks it up (api/auth SignInName, case folded), so
// white space around it or another letter case does not open a fresh
// bucket for the same account.
func TestRateLimitSignInKeyIsTheUsername(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/signin-key.db")
	e.limited(RateLimits{SignIn: Rate{Events: 5, Per: time.Minute, Burst: 5}}, "")
	attempt := func(user, password string) call {
		return call{peer: "198.51.100.7", method: http.MethodPost, path: "/api/v1/auth/token",
			body: map[string]any{"username": user, "password": password}}
	}
	for range 5 {
		wantProblem(t, e.send(attempt("hns", "guess")), 401, "unauthorized")
	}
	for _, name := range []string{" hns", "hns ", "\thns", "\u00a0hns\n", "HNS", " Hns "} {
		wantLimited(t, e.send(attempt(name, "guess")), "12")
	}
	wantLimited(t, e.send(attempt("hns", "correct horse battery")), "12")
	want(t, e.send(attempt(" ops", "correct horse battery")), 200) // another bucket, and ops once trimmed
}

// TestRateLimitSignInCountsFailuresOnly: successful sign-ins, however many,
// use up nothing (a script signing in often is not guessing); failures do,
// and once they are spent even the right password waits.
func TestRateLimitSignInCountsFailuresOnly(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/signin-ok.db")
	e.limited(RateLimits{SignIn: Rate{Events: 5, Per: time.Minute, Burst: 5}}, "")
	attempt := func(password string) call {
		return call{peer: "198.51.100.7", method: http.MethodPost, path: "/api/v1/auth/token",
			body: map[string]any{"username": "hns", "password": password}}
	}
	for i := range 12 {
		if r := e.send(attempt("correct horse battery")); r.Status != 200 {
			t.Fatalf("successful sign-in %d: %d", i+1, r.Status)
		}
	}
	for range 4 {
		wantProblem(t, e.send(attempt("guess")), 401, "unauthorized")
	}
	want(t, e.send(attempt("correct horse battery")), 200)
	wantProblem(t, e.send(attempt("guess")), 401, "unauthorized")
	wantLimited(t, e.send(attempt("guess")), "12")
	wantLimited(t, e.send(attempt("correct horse battery")), "12")
}

// TestNoLimiterByDefault: Deps without a Limiter limit nothing (the scenario
// tests rely on it); serve always configures one (cmd tests).
func TestNoLimiterByDefault(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/nolimit.db")
	for range 200 {
		if r := e.send(call{as: "lo-no", method: http.MethodGet, path: "/api/v1/me"}); r.Status != 200 {
			t.Fatalf("status %d without a limiter", r.Status)
		}
	}
}

// TestRateLimitSparesProbes: a flood from the load balancer's address does
// not make liveness or readiness fail; other public routes are limited.
func TestRateLimitSparesProbes(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/probes.db")
	e.limited(RateLimits{PerAddress: perSecond(1)}, "")
	lb := func(path string) call { return call{peer: "10.0.0.1", method: http.MethodGet, path: path} }
	want(t, e.send(lb("/.well-known/jwks.json")), 200)
	wantLimited(t, e.send(lb("/api/v1/openapi.yaml")), "1")
	for range 5 {
		want(t, e.send(lb("/healthz")), 200)
		want(t, e.send(lb("/readyz")), 200)
	}
}
