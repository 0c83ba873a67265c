package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

var fixedNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func newTestTokens(t testing.TB) *Tokens {
	t.Helper()
	seed, err := NewSeed()
	if err != nil {
		t.Fatal(err)
	}
	tk, err := NewTokens(seed, "exaccess", "exaccess-api", time.Hour, func() time.Time { return fixedNow })
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("unexpected hash format %q", h)
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Error("two hashes of one password are equal: salt missing")
	}
	if !VerifyPassword(h, "correct horse") || VerifyPassword(h, "correct horsE") || VerifyPassword(h, "") {
		t.Error("VerifyPassword accepts the wrong password or refuses the right one")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=99999999,t=2,p=1$AAAA$AAAA", "$bcrypt$x$y$z$w"} {
		if VerifyPassword(bad, "x") {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
	if _, err := HashPassword(strings.Repeat("x", MaxPasswordLen+1)); err == nil {
		t.Error("an overlong password was hashed")
	}
}

func TestIssueAndVerify(t *testing.T) {
	tk := newTestTokens(t)
	raw, err := tk.Issue(domain.User{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO", Generation: 1})
	if err != nil {
		t.Fatal(err)
	}
	p, err := tk.Verify(raw)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if p.Subject != "lo-no" || p.Nation != "NO" || !p.HasRole(domain.RoleLiaison) {
		t.Fatalf("principal = %+v", p)
	}
	var c Claims
	if _, _, err := jwt.NewParser().ParseUnverified(raw, &c); err != nil {
		t.Fatal(err)
	}
	if c.ID == "" || c.Issuer != "exaccess" || c.ExpiresAt == nil || c.IssuedAt == nil || len(c.Audience) != 1 {
		t.Fatalf("claims missing: %+v", c)
	}
}

// forge signs claims with the given method and key, with our key id unless kid is set.
func forge(t *testing.T, tk *Tokens, m jwt.SigningMethod, key any, claims jwt.Claims, kid string) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, claims)
	if kid == "" {
		kid = tk.kid
	}
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefuses(t *testing.T) {
	tk := newTestTokens(t)
	good := func() Claims {
		return Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "exaccess", Subject: "ops",
			Audience: jwt.ClaimStrings{"exaccess-api"}, IssuedAt: jwt.NewNumericDate(fixedNow),
			ExpiresAt: jwt.NewNumericDate(fixedNow.Add(time.Hour)), ID: "j"}, Roles: []string{"operations_approver"}, Generation: 1}
	}
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	pub := []byte(tk.key.Public().(ed25519.PublicKey))
	with := func(f func(c *Claims)) Claims { c := good(); f(&c); return c }
	unsigned, _ := jwt.NewWithClaims(jwt.SigningMethodNone, good()).SignedString(jwt.UnsafeAllowNoneSignatureType)

	cases := map[string]string{
		"control: good":      forge(t, tk, jwt.SigningMethodEdDSA, tk.key, good(), ""),
		"alg none":           unsigned,
		"HS256 with pub key": forge(t, tk, jwt.SigningMethodHS256, pub, good(), ""),
		"foreign key":        forge(t, tk, jwt.SigningMethodEdDSA, otherKey, good(), ""),
		"unknown kid":        forge(t, tk, jwt.SigningMethodEdDSA, tk.key, good(), "someone-else"),
		"wrong issuer":       forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Issuer = "evil" }), ""),
		"wrong audience":     forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Audience = jwt.ClaimStrings{"other"} }), ""),
		"expired":            forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(fixedNow.Add(-time.Minute)) }), ""),
		"no exp":             forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.ExpiresAt = nil }), ""),
		"no iat":             forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.IssuedAt = nil }), ""),
		"iat in future":      forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(fixedNow.Add(time.Hour)) }), ""),
		"unknown role":       forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Roles = []string{"king"} }), ""),
		"no roles":           forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Roles = nil }), ""),
		"liaison no nation":  forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Roles = []string{"liaison_officer"} }), ""),
		"no generation":      forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Generation = 0 }), ""),
		"no subject":         forge(t, tk, jwt.SigningMethodEdDSA, tk.key, with(func(c *Claims) { c.Subject = "" }), ""),
		"garbage":            "not.a.token",
		"empty":              "",
		"megabyte of dots":   strings.Repeat(".", 1<<20),
		"bad base64":         "eyJhbGciOiJFZERTQSJ9.%%%.sig",
		"header only":        base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"EdDSA"}`)),
	}
	for name, raw := range cases {
		_, err := tk.Verify(raw)
		if strings.HasPrefix(name, "control") {
			if err != nil {
				t.Errorf("%s: refused: %v", name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestJWKSPublishesOnlyThePublicKey(t *testing.T) {
	tk := newTestTokens(t)
	jwks := string(tk.JWKS())
	if !strings.Contains(jwks, `"kid":"`+tk.kid+`"`) || !strings.Contains(jwks, `"crv":"Ed25519"`) {
		t.Fatalf("jwks = %s", jwks)
	}
	if strings.Contains(jwks, `"d"`) {
		t.Fatal("jwks leaks the private key")
	}
}

// A token verified once is remembered, but the memory does not outlive its
// claims: the same bytes are refused once expired (after the leeway), or
// before their issue time, and a token that differs in one byte of its
// signature is refused though its twin was remembered.
func TestVerifiedTokenCacheKeepsTimeChecks(t *testing.T) {
	now := fixedNow
	seed, _ := NewSeed()
	tk, err := NewTokens(seed, "exaccess", "exaccess-api", time.Hour, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tk.Issue(domain.User{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO", Generation: 1})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second call is answered from the cache
		if p, err := tk.Verify(raw); err != nil || p.Subject != "lo-no" {
			t.Fatalf("Verify = %+v, %v", p, err)
		}
	}
	if _, ok := tk.verified.get(raw); !ok {
		t.Fatal("a verified token is not remembered")
	}
	sig := raw[strings.LastIndexByte(raw, '.')+1:]
	flipped := raw[:len(raw)-len(sig)] + string(sig[0]^1) + sig[1:]
	if _, err := tk.Verify(flipped); err == nil {
		t.Error("a token with another signature byte is accepted")
	}
	now = fixedNow.Add(-time.Minute) // before iat, beyond the leeway
	if _, err := tk.Verify(raw); err == nil {
		t.Error("a remembered token is accepted before its issue time")
	}
	now = fixedNow.Add(time.Hour + clockSkew + time.Second)
	if _, err := tk.Verify(raw); err == nil {
		t.Error("a remembered token is accepted after it expired")
	}
}
