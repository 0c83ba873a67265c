package api

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"testing"

	"exaccess/api/auth"
	"exaccess/api/auth/authtest"
	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

// withIdP rebuilds e's server to accept the stand-in provider's tokens too,
// as serve does with --jwks-url, and adds its users to e.tokens.
func (e *env) withIdP(stand *authtest.IdP) {
	e.t.Helper()
	ref := e.srv.Reference
	idp, err := auth.NewIdP(auth.IdPConfig{JWKSURL: stand.URL(), Issuer: stand.Issuer, Audience: stand.Audience,
		AllowedRoles: []domain.Role{domain.RoleLiaison, domain.RoleHNS, domain.RoleAuditor},
		KnownNation:  func(s string) (string, bool) { n, ok := ref.Nation(s); return n.Code, ok },
		Now:          e.clock})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := idp.Refresh(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.rebuild(func(d *Deps) { d.IdP = idp })
	lo := stand.Claims(testNow, "kari.nordmann", "liaison_officer")
	lo["nation"] = "NO"
	e.tokens["idp-lo-no"] = stand.Sign(e.t, authtest.KidRSA, lo)
	de := stand.Claims(testNow, "erika.muster", "liaison_officer")
	de["nation"] = "de"
	e.tokens["idp-lo-de"] = stand.Sign(e.t, authtest.KidP256, de)
	e.tokens["idp-hns"] = stand.Sign(e.t, authtest.KidEd25519, stand.Claims(testNow, "hns", "hns_officer"))
}

// TestIdPTokensThroughTheServer: an organisation's IdP signs tokens; they
// work beside the server's own, with the same nation isolation, and forged
// ones are refused with 401.
func TestIdPTokensThroughTheServer(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		stand := authtest.NewIdP(t)
		e.withIdP(stand)
		me := e.do("idp-lo-no", http.MethodGet, "/api/v1/me", nil)
		want(t, me, 200)
		if m := me.JSON(t); m["username"] != "idp:kari.nordmann" || m["nation"] != "NO" {
			t.Fatalf("me = %s", me.Body)
		}
		// Own tokens keep working, and both see Norway's requests.
		id, tag := e.create("idp-lo-no", draft())
		want(t, e.do("lo-no", http.MethodGet, "/api/v1/requests/"+id, nil), 200)
		wantProblem(t, e.do("idp-lo-de", http.MethodGet, "/api/v1/requests/"+id, nil), 404, "not_found")
		r := e.do("idp-lo-no", http.MethodPost, "/api/v1/requests/"+id+"/submit", nil, "If-Match", tag)
		want(t, r, 200)
		// An IdP user named like a local one is another person: the local
		// hns may decide, the IdP's "hns" is separate in the audit log.
		d := e.decide("idp-hns", id, r.Header.Get("ETag"), "intake", "approve", "")
		want(t, d, 200)
		if by := stageStatuses(t, d)["intake"]; by != "approved" {
			t.Fatalf("intake %s", by)
		}
		hist := e.do("auditor", http.MethodGet, "/api/v1/requests/"+id+"/history", nil).JSON(t)["items"].([]any)
		if last := hist[len(hist)-1].(map[string]any); last["actor"] != "idp:hns" {
			t.Fatalf("decision recorded for %v", last["actor"])
		}

		rsaPub := stand.PublicKey(authtest.KidRSA).(*rsa.PublicKey)
		hs := jwt.NewWithClaims(jwt.SigningMethodHS256, stand.Claims(testNow, "mallory", "auditor"))
		hs.Header["kid"] = authtest.KidRSA
		confused, _ := hs.SignedString(rsaPub.N.Bytes())
		wrongAud := stand.Claims(testNow, "mallory", "auditor")
		wrongAud["aud"] = "exaccess-api"
		wrongIss := stand.Claims(testNow, "mallory", "auditor")
		wrongIss["iss"] = "exaccess"
		for name, tok := range map[string]string{
			"unknown kid":            forgedWithKid(t, stand, "rotated-away"),
			"HS256 with public key":  confused,
			"wrong audience":         stand.Sign(t, authtest.KidRSA, wrongAud),
			"our issuer, IdP key":    stand.Sign(t, authtest.KidRSA, wrongIss),
			"admin not allow-listed": stand.Sign(t, authtest.KidRSA, stand.Claims(testNow, "mallory", "admin")),
		} {
			r := e.send(call{as: "raw:Bearer " + tok, method: http.MethodGet, path: "/api/v1/me"})
			if r.Status != 401 {
				t.Errorf("%s: status %d", name, r.Status)
			}
		}
	})
}

// forgedWithKid signs valid claims with a fresh key under a key id the
// provider does not publish.
func forgedWithKid(t *testing.T, stand *authtest.IdP, kid string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, stand.Claims(testNow, "mallory", "auditor"))
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
