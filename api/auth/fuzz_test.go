package auth

import (
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth/authtest"
	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

// Fuzz targets for token verification, our own and an identity provider's,
// and for key sets. None may panic; nothing but a properly signed token may
// verify. Run one with:
// go test ./api/auth -run '^$' -fuzz '^FuzzVerify$' -fuzztime 10s

// fuzzSeed is a fixed signing key, so that the corpus stays meaningful.
var fuzzSeed = make([]byte, ed25519.SeedSize)

func FuzzVerify(f *testing.F) {
	tk, err := NewTokens(fuzzSeed, "exaccess", "exaccess-api", time.Hour, func() time.Time { return fixedNow })
	if err != nil {
		f.Fatal(err)
	}
	good, _ := tk.Issue(domain.User{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO", Generation: 1})
	p := strings.Split(good, ".")
	for _, s := range []string{good, p[0] + "." + p[1] + ".", "..", "a.b.c", p[0], strings.Repeat(".", 5000), "eyJhbGciOiJub25lIn0." + p[1] + "."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		pr, err := tk.Verify(raw)
		if err == nil && (pr.Subject != "lo-no" || pr.Nation != "NO") {
			t.Fatalf("%q verified as %+v", raw, pr)
		}
	})
}

func FuzzIdPVerify(f *testing.F) {
	key := ed25519.NewKeyFromSeed(fuzzSeed)
	idp, err := NewIdP(IdPConfig{Issuer: "https://idp", Audience: "exaccess", AllowedRoles: domain.AllRoles(),
		KnownNation: func(s string) (string, bool) { return "NO", s == "NO" }, Now: func() time.Time { return fixedNow }})
	if err != nil {
		f.Fatal(err)
	}
	if err := idp.SetKeys(authtest.KeySet(authtest.OKPJWK("k", key.Public().(ed25519.PublicKey)))); err != nil {
		f.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwt.MapClaims{"iss": "https://idp", "aud": "exaccess", "sub": "s",
		"iat": fixedNow.Unix(), "exp": fixedNow.Add(time.Hour).Unix(), "roles": []string{"auditor"}, "realm": map[string]any{"roles": []any{1, nil}}})
	tok.Header["kid"] = "k"
	good, _ := tok.SignedString(key)
	f.Add(good)
	f.Add(strings.Replace(good, ".", "..", 1))
	f.Fuzz(func(t *testing.T, raw string) {
		pr, err := idp.Verify(raw)
		if err == nil && pr.Subject != "idp:s" {
			t.Fatalf("%q verified as %+v", raw, pr)
		}
	})
}

func FuzzParseJWKS(f *testing.F) {
	key := ed25519.NewKeyFromSeed(fuzzSeed)
	f.Add(authtest.KeySet(authtest.OKPJWK("k", key.Public().(ed25519.PublicKey))))
	for _, s := range []string{`{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}`, `{"keys":[{"kty":"EC","crv":"P-256","kid":"e","x":"","y":""}]}`,
		`{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}`, `{"keys":null}`, `{}`, `[]`, `{"keys":[{"kty":"RSA","kid":"r","e":"////////"}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := parseJWKS(data)
		if err != nil {
			return
		}
		if len(keys) == 0 || len(keys) > maxJWKSKeys {
			t.Fatalf("%d keys", len(keys))
		}
		for kid, k := range keys {
			if kid == "" || (k.alg != algEdDSA && k.alg != algES256 && k.alg != algRS256) {
				t.Fatalf("key %q with alg %q", kid, k.alg)
			}
		}
	})
}
