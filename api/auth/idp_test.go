package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"exaccess/api/auth/authtest"
	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

var knownNations = map[string]string{"NO": "NO", "no": "NO", "DE": "DE", "SE": "SE"}

// newTestIdP is an IdP verifier on the stand-in provider, keys fetched.
func newTestIdP(t *testing.T, stand *authtest.IdP) *IdP {
	t.Helper()
	p, err := NewIdP(IdPConfig{JWKSURL: stand.URL(), Issuer: stand.Issuer, Audience: stand.Audience,
		AllowedRoles: []domain.Role{domain.RoleLiaison, domain.RoleHNS, domain.RoleOperations, domain.RoleAuditor},
		KnownNation:  func(s string) (string, bool) { c, ok := knownNations[s]; return c, ok },
		Now:          func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestIdPAcceptsEachKeyType: a token signed by each of the provider's keys
// is accepted and mapped to a principal through the allow-lists.
func TestIdPAcceptsEachKeyType(t *testing.T) {
	stand := authtest.NewIdP(t)
	p := newTestIdP(t, stand)
	for _, kid := range []string{authtest.KidEd25519, authtest.KidP256, authtest.KidRSA} {
		claims := stand.Claims(fixedNow, "anna.berg", "hns_officer", "offline_access", "admin", "HNS_OFFICER", "hns_officer")
		pr, err := p.Verify(stand.Sign(t, kid, claims))
		if err != nil {
			t.Fatalf("%s: %v", kid, err)
		}
		if pr.Subject != "idp:anna.berg" || len(pr.Roles) != 1 || pr.Roles[0] != domain.RoleHNS || pr.Nation != "" {
			t.Fatalf("%s: principal %+v", kid, pr)
		}
	}
	lo := stand.Claims(fixedNow, "ola", "liaison_officer")
	lo["nation"] = "no"
	pr, err := p.Verify(stand.Sign(t, authtest.KidRSA, lo))
	if err != nil || pr.Nation != "NO" || !pr.IsLiaison() {
		t.Fatalf("liaison officer: %+v, %v", pr, err)
	}
	// Nested claims, as Keycloak puts them, by a dotted path.
	nested, _ := NewIdP(IdPConfig{Issuer: stand.Issuer, Audience: stand.Audience, RolesClaim: "realm_access.roles",
		AllowedRoles: []domain.Role{domain.RoleAuditor}, KnownNation: func(string) (string, bool) { return "", false },
		Now: func() time.Time { return fixedNow }})
	if err := nested.SetKeys(stand.JWKS()); err != nil {
		t.Fatal(err)
	}
	c := stand.Claims(fixedNow, "eva")
	c["realm_access"] = map[string]any{"roles": []string{"auditor"}}
	if pr, err := nested.Verify(stand.Sign(t, authtest.KidP256, c)); err != nil || !pr.HasRole(domain.RoleAuditor) {
		t.Fatalf("nested roles: %+v %v", pr, err)
	}
}

// TestIdPRefuses: every forgery and every claim outside the allow-lists is
// refused alike.
func TestIdPRefuses(t *testing.T) {
	stand := authtest.NewIdP(t)
	p := newTestIdP(t, stand)
	good := func() jwt.MapClaims { return stand.Claims(fixedNow, "anna", "operations_approver") }
	with := func(k string, v any) jwt.MapClaims {
		c := good()
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
		return c
	}
	sign := func(kid string, c jwt.MapClaims) string { return stand.Sign(t, kid, c) }
	rsaPub := stand.PublicKey(authtest.KidRSA).(*rsa.PublicKey)
	edPub := stand.PublicKey(authtest.KidEd25519).(ed25519.PublicKey)
	ecPub := stand.PublicKey(authtest.KidP256).(*ecdsa.PublicKey)
	ecRaw, _ := ecPub.Bytes()
	hmac := func(kid string, secret []byte) string {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, good())
		tok.Header["kid"] = kid
		s, _ := tok.SignedString(secret)
		return s
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, good())
	none.Header["kid"] = authtest.KidRSA
	unsigned, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	cases := map[string]string{
		"unknown kid":              forgeKid(t, stand, "idp-unknown"),
		"no kid":                   forgeKid(t, stand, ""),
		"HS256, RSA modulus":       hmac(authtest.KidRSA, rsaPub.N.Bytes()),
		"HS256, Ed25519 key":       hmac(authtest.KidEd25519, edPub),
		"HS256, EC point":          hmac(authtest.KidP256, ecRaw),
		"HS256, JWKS text":         hmac(authtest.KidRSA, stand.JWKS()),
		"alg none":                 unsigned,
		"alg of another key":       retag(t, sign(authtest.KidRSA, good()), authtest.KidEd25519),
		"wrong issuer":             sign(authtest.KidRSA, with("iss", "https://evil.example")),
		"our own issuer":           sign(authtest.KidRSA, with("iss", "exaccess")),
		"wrong audience":           sign(authtest.KidRSA, with("aud", "exaccess-api")),
		"expired":                  sign(authtest.KidRSA, with("exp", fixedNow.Add(-time.Minute).Unix())),
		"no exp":                   sign(authtest.KidRSA, with("exp", nil)),
		"iat in the future":        sign(authtest.KidRSA, with("iat", fixedNow.Add(time.Hour).Unix())),
		"no iat":                   sign(authtest.KidRSA, with("iat", nil)),
		"iat a string":             sign(authtest.KidRSA, with("iat", "yesterday")),
		"nbf in the future":        sign(authtest.KidRSA, with("nbf", fixedNow.Add(time.Hour).Unix())),
		"no subject":               sign(authtest.KidRSA, with("sub", nil)),
		"subject with a newline":   sign(authtest.KidRSA, with("sub", "anna\nroot")),
		"no known role":            sign(authtest.KidRSA, with("roles", []string{"king", "Admin"})),
		"role not allowed (admin)": sign(authtest.KidRSA, with("roles", []string{"admin"})),
		"role not allowed (range)": sign(authtest.KidRSA, with("roles", "range_officer")),
		"liaison and approver":     sign(authtest.KidRSA, with("roles", []string{"liaison_officer", "hns_officer"})),
		"liaison without nation":   sign(authtest.KidRSA, with("roles", []string{"liaison_officer"})),
		"liaison, unknown nation":  sign(authtest.KidRSA, withNation(with("roles", []string{"liaison_officer"}), "RU")),
		"liaison, host nation":     sign(authtest.KidRSA, withNation(with("roles", []string{"liaison_officer"}), "SE")),
		"liaison, nation a list":   sign(authtest.KidRSA, withNation(with("roles", []string{"liaison_officer"}), []string{"NO"})),
		"garbage":                  "a.b.c",
		"megabyte of dots":         strings.Repeat(".", 1<<20),
		"empty":                    "",
	}
	for name, raw := range cases {
		if pr, err := p.Verify(raw); err == nil {
			t.Errorf("%s: accepted as %+v", name, pr)
		}
	}
	if pr, err := p.Verify(sign(authtest.KidRSA, good())); err != nil || !pr.IssuedAt.Equal(fixedNow.Truncate(time.Second)) {
		t.Fatalf("control: %+v, %v (want issued at %v)", pr, err, fixedNow)
	}
}

func withNation(c jwt.MapClaims, n any) jwt.MapClaims { c["nation"] = n; return c }

// forgeKid signs valid claims with a fresh key under the given key id.
func forgeKid(t *testing.T, stand *authtest.IdP, kid string) string {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(nil)
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, stand.Claims(fixedNow, "mallory", "auditor"))
	if kid != "" {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// retag rewrites a token's header to name another key id, keeping the
// signature: the verifier must refuse the algorithm the key does not pin.
func retag(t *testing.T, raw, kid string) string {
	t.Helper()
	parts := strings.Split(raw, ".")
	h := `{"alg":"RS256","kid":"` + kid + `","typ":"JWT"}`
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(h))
	return strings.Join(parts, ".")
}

// TestIdPKeySetFetch: only the configured URL, no redirects, bounded size;
// a failed refresh keeps the keys held; a rotated key is picked up.
func TestIdPKeySetFetch(t *testing.T) {
	stand := authtest.NewIdP(t)
	p := newTestIdP(t, stand)
	tok := stand.Sign(t, authtest.KidP256, stand.Claims(fixedNow, "anna", "auditor"))
	for name, body := range map[string][]byte{
		"oversized": []byte(`{"keys":[],"pad":"` + strings.Repeat("x", MaxJWKSBytes) + `"}`),
		"not JSON":  []byte("<html>"),
		"no keys":   []byte(`{"keys":[]}`),
	} {
		stand.Publish(body)
		if err := p.Refresh(context.Background()); err == nil {
			t.Errorf("%s key set accepted", name)
		}
		if _, err := p.Verify(tok); err != nil {
			t.Fatalf("after a failed refresh (%s) the held keys were lost: %v", name, err)
		}
	}
	// Rotation: a set with only the Ed25519 key retires the P-256 one.
	only := authtest.KeySet(authtest.OKPJWK(authtest.KidEd25519, stand.PublicKey(authtest.KidEd25519).(ed25519.PublicKey)))
	stand.Publish(only)
	if err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Verify(tok); err == nil {
		t.Fatal("a token of a retired key is still accepted")
	}
	// A redirect is not followed.
	redirect := httptest.NewServer(http.RedirectHandler(stand.URL(), http.StatusFound))
	defer redirect.Close()
	moved, _ := NewIdP(IdPConfig{JWKSURL: redirect.URL, Issuer: "i", Audience: "a", KnownNation: func(string) (string, bool) { return "", false }})
	if err := moved.Refresh(context.Background()); err == nil || moved.KeyCount() != 0 {
		t.Fatalf("redirect followed: err %v, %d keys", err, moved.KeyCount())
	}
}

func TestCheckJWKSURL(t *testing.T) {
	for _, ok := range []string{"https://idp.example.org/certs", "http://127.0.0.1:8081/jwks", "http://[::1]/k", "http://localhost/k"} {
		if err := CheckJWKSURL(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://idp.example.org/certs", "file:///etc/passwd", "https://user:pw@idp/x", "/certs", "gopher://x", ""} {
		if err := CheckJWKSURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestParseJWKS: only signing keys of safe types and sizes are kept.
func TestParseJWKS(t *testing.T) {
	stand := authtest.NewIdP(t)
	ed := authtest.OKPJWK("ed", stand.PublicKey(authtest.KidEd25519).(ed25519.PublicKey))
	ec := authtest.ECJWK("ec", stand.PublicKey(authtest.KidP256).(*ecdsa.PublicKey))
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	offCurve := authtest.ECJWK("off", stand.PublicKey(authtest.KidP256).(*ecdsa.PublicKey))
	offCurve["y"] = offCurve["x"]
	alter := func(k map[string]string, field, v string) map[string]string {
		out := map[string]string{}
		for f, x := range k {
			out[f] = x
		}
		out[field] = v
		return out
	}
	keys, err := parseJWKS(authtest.KeySet(ed, ec,
		authtest.RSAJWK("small", &small.PublicKey),
		offCurve,
		map[string]string{"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"},
		alter(ed, "kid", "enc"), alter(alter(ed, "kid", "enc"), "use", "enc"),
		alter(alter(ed, "kid", "lies"), "alg", "HS256"),
		alter(ec, "kid", ""),
	))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 3 || keys["ed"].alg != "EdDSA" || keys["ec"].alg != "ES256" || keys["enc"].alg != "EdDSA" {
		t.Fatalf("kept %v", keys)
	}
	for name, set := range map[string][]byte{
		"duplicate kid": authtest.KeySet(ed, alter(ec, "kid", "ed")),
		"none usable":   authtest.KeySet(offCurve),
		"too many": authtest.KeySet(func() []map[string]string {
			var ks []map[string]string
			for range 33 {
				ks = append(ks, ed)
			}
			return ks
		}()...),
		"not a set": []byte(`[1,2]`),
	} {
		if _, err := parseJWKS(set); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestIdPAdministratorStandsAlone: where the provider may grant admin, a
// token granting it beside another allowed role is refused, as a local
// account may not hold both (administrators never decide); admin alone is
// accepted. A subject named like the audit log's system actor becomes
// idp:system, never that actor.
func TestIdPAdministratorStandsAlone(t *testing.T) {
	stand := authtest.NewIdP(t)
	p, err := NewIdP(IdPConfig{JWKSURL: stand.URL(), Issuer: stand.Issuer, Audience: stand.Audience,
		AllowedRoles: domain.AllRoles(),
		KnownNation:  func(s string) (string, bool) { c, ok := knownNations[s]; return c, ok },
		Now:          func() time.Time { return fixedNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, roles := range [][]string{{"admin", "ministry"}, {"operations_approver", "admin"}, {"admin", "auditor"}} {
		if pr, err := p.Verify(stand.Sign(t, authtest.KidRSA, stand.Claims(fixedNow, "anna", roles...))); err == nil {
			t.Errorf("roles %v: accepted as %+v", roles, pr)
		}
	}
	pr, err := p.Verify(stand.Sign(t, authtest.KidRSA, stand.Claims(fixedNow, "system", "admin")))
	if err != nil || pr.Subject != "idp:system" || pr.Subject == domain.SystemActor || !pr.HasRole(domain.RoleAdmin) || len(pr.Roles) != 1 {
		t.Fatalf("admin alone, subject system: %+v, %v", pr, err)
	}
}
