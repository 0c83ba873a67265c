package api

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"exaccess/api/auth/authtest"

	"github.com/golang-jwt/jwt/v5"
)

// OWASP API7:2023 Server Side Request Forgery. The server fetches one URL
// only: the key set the operator configured. Nothing a client sends — a
// body field, a token's jku or x5u header, an unknown key id — makes it
// fetch anything, not even that URL again.
func TestAPI7NoClientChosenFetches(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/api7.db")
	stand := authtest.NewIdP(t)
	e.withIdP(stand)
	var attackerHits atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		attackerHits.Add(1)
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer attacker.Close()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	fetched := stand.Hits()
	for _, hdr := range []map[string]any{
		{"kid": "attacker", "jku": attacker.URL + "/jwks"},
		{"kid": "attacker", "x5u": attacker.URL + "/cert.pem"},
		{"kid": authtest.KidP256, "jku": attacker.URL + "/jwks"},
		{"kid": "../../" + attacker.URL},
	} {
		tok := jwt.NewWithClaims(jwt.SigningMethodES256, stand.Claims(testNow, "mallory", "auditor"))
		for k, v := range hdr {
			tok.Header[k] = v
		}
		raw, _ := tok.SignedString(key)
		wantProblem(t, e.send(call{as: "raw:Bearer " + raw, method: http.MethodGet, path: "/api/v1/me"}), 401, "unauthorized")
	}
	wantProblem(t, e.do("lo-no", http.MethodPost, "/api/v1/requests", with(draft(), "callback_url", attacker.URL)), 422, "invalid", "callback_url")
	if n := attackerHits.Load(); n != 0 {
		t.Fatalf("the attacker's server was fetched %d times", n)
	}
	if n := stand.Hits(); n != fetched {
		t.Fatalf("tokens made the server refetch the key set %d times", n-fetched)
	}
}

// OWASP API9:2023 Improper Inventory Management. The route table is the
// inventory (TestEveryServedRouteIsInTheTable, TestOpenAPIDescribesEveryRoute);
// here: every documented operation but the probes also documents the rate
// limit, and paths outside the documented ones do not exist.
func TestAPI9Inventory(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/api9.db")
	unlimited := map[string]bool{}
	for _, r := range e.srv.routes() {
		if r.access.unlimited {
			unlimited[r.method+" "+strings.ReplaceAll(r.path, ":id", "{id}")] = true
		}
	}
	for path, item := range e.spec.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Responses.Status(http.StatusTooManyRequests) == nil && !unlimited[method+" "+path] {
				t.Errorf("%s %s does not document 429", method, path)
			}
		}
	}
	for _, p := range []string{"/api/v2/requests", "/api/v0/requests", "/api/requests", "/debug/pprof/", "/.env", "/api/v1/admin"} {
		if r := e.send(call{as: "auditor", method: http.MethodGet, path: p, offSpec: true}); r.Status != 404 {
			t.Errorf("%s: status %d", p, r.Status)
		}
	}
}

// OWASP API10:2023 Unsafe Consumption of APIs. What the identity provider
// publishes is checked like client input: a symmetric key in its key set is
// never used (else anyone who can read the set could sign), and a key set
// that is too big or broken leaves the keys held before in place
// (TestIdPKeySetFetch in api/auth).
func TestAPI10IdPKeySetDistrusted(t *testing.T) {
	e := newEnv(t, t.TempDir()+"/api10.db")
	stand := authtest.NewIdP(t)
	secret := []byte("published-in-the-key-set-so-anyone-knows-it")
	stand.Publish(authtest.KeySet(
		map[string]string{"kty": "oct", "kid": "hmac", "alg": "HS256", "k": base64.RawURLEncoding.EncodeToString(secret)},
		authtest.ECJWK(authtest.KidP256, stand.PublicKey(authtest.KidP256).(*ecdsa.PublicKey)),
	))
	e.withIdP(stand)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, stand.Claims(testNow, "mallory", "auditor"))
	tok.Header["kid"] = "hmac"
	raw, _ := tok.SignedString(secret)
	wantProblem(t, e.send(call{as: "raw:Bearer " + raw, method: http.MethodGet, path: "/api/v1/me"}), 401, "unauthorized")
	good := stand.Sign(t, authtest.KidP256, stand.Claims(testNow, "eva", "auditor"))
	if r := e.send(call{as: "raw:Bearer " + good, method: http.MethodGet, path: "/api/v1/me"}); r.Status != 200 || !strings.Contains(string(r.Body), "idp:eva") {
		t.Fatalf("control: %d %s", r.Status, r.Body)
	}
}
