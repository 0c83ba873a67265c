// Package authtest is a stand-in identity provider for tests: three signing
// keys (Ed25519, P-256, RSA), their key set served over HTTP on 127.0.0.1,
// and tokens signed with them. It is for tests only; nothing in the product
// imports it.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The key ids of the stand-in's keys.
const (
	KidEd25519 = "idp-ed"
	KidP256    = "idp-ec"
	KidRSA     = "idp-rsa"
)

// IdP is an identity provider with a key set endpoint.
type IdP struct {
	Issuer, Audience string
	Server           *httptest.Server

	keys map[string]signingKey
	mu   sync.Mutex
	body []byte // what the endpoint serves
	hits int
}

type signingKey struct {
	method jwt.SigningMethod
	key    crypto.Signer
	jwk    map[string]string
}

// NewIdP starts the endpoint; it stops when the test ends.
func NewIdP(t testing.TB) *IdP {
	t.Helper()
	p := &IdP{Issuer: "https://idp.example.org/realms/mod", Audience: "exaccess", keys: map[string]signingKey{}}
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p.keys[KidEd25519] = signingKey{jwt.SigningMethodEdDSA, ed, OKPJWK(KidEd25519, ed.Public().(ed25519.PublicKey))}
	p.keys[KidP256] = signingKey{jwt.SigningMethodES256, ec, ECJWK(KidP256, &ec.PublicKey)}
	p.keys[KidRSA] = signingKey{jwt.SigningMethodRS256, rs, RSAJWK(KidRSA, &rs.PublicKey)}
	p.body = p.JWKS()
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.Server.Close)
	return p
}

func (p *IdP) serve(w http.ResponseWriter, _ *http.Request) {
	p.mu.Lock()
	body := p.body
	p.hits++
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_, _ = w.Write(body)
}

// URL is the key set endpoint.
func (p *IdP) URL() string { return p.Server.URL + "/jwks" }

// Hits is how often the endpoint was fetched.
func (p *IdP) Hits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits
}

// Publish changes what the endpoint serves.
func (p *IdP) Publish(body []byte) {
	p.mu.Lock()
	p.body = body
	p.mu.Unlock()
}

// JWKS is the key set of all three public keys.
func (p *IdP) JWKS() []byte {
	var keys []map[string]string
	for _, kid := range []string{KidEd25519, KidP256, KidRSA} {
		keys = append(keys, p.keys[kid].jwk)
	}
	return KeySet(keys...)
}

// PublicKey returns the public key with the given id.
func (p *IdP) PublicKey(kid string) crypto.PublicKey { return p.keys[kid].key.Public() }

// Claims are valid claims at now for sub with the given roles.
func (p *IdP) Claims(now time.Time, sub string, roles ...string) jwt.MapClaims {
	return jwt.MapClaims{"iss": p.Issuer, "aud": []string{p.Audience, "account"}, "sub": sub,
		"iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix(), "roles": roles}
}

// Sign signs claims with the key kid, by that key's algorithm.
func (p *IdP) Sign(t testing.TB, kid string, claims jwt.MapClaims) string {
	t.Helper()
	k := p.keys[kid]
	tok := jwt.NewWithClaims(k.method, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(k.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// KeySet renders JWKs as a key set document.
func KeySet(keys ...map[string]string) []byte {
	b, _ := json.Marshal(map[string]any{"keys": keys})
	return b
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// OKPJWK is the JWK of an Ed25519 public key.
func OKPJWK(kid string, pub ed25519.PublicKey) map[string]string {
	return map[string]string{"kty": "OKP", "crv": "Ed25519", "kid": kid, "use": "sig", "x": b64(pub)}
}

// ECJWK is the JWK of a P-256 public key.
func ECJWK(kid string, pub *ecdsa.PublicKey) map[string]string {
	raw, _ := pub.Bytes() // 0x04 || X || Y
	return map[string]string{"kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "x": b64(raw[1:33]), "y": b64(raw[33:])}
}

// RSAJWK is the JWK of an RSA public key.
func RSAJWK(kid string, pub *rsa.PublicKey) map[string]string {
	return map[string]string{"kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes())}
}
