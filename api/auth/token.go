package auth

import (
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

// MaxTokenLen bounds what the parser is given: a real token is a few hundred
// bytes; a megabyte of dots must be refused before any work is done on it.
const MaxTokenLen = 4096

// clockSkew is the leeway allowed on exp, nbf and iat between servers.
const clockSkew = 30 * time.Second

// Claims are the claims of an Exercise Access token.
type Claims struct {
	jwt.RegisteredClaims
	Roles  []string `json:"roles"`
	Nation string   `json:"nation,omitempty"`
	// Generation is the account's generation at issue; an account change
	// moves it on and the token stops working (domain.PrincipalCheck).
	Generation int64 `json:"gen"`
	// PasswordChange marks a token issued for a one-time password: it
	// serves only to choose a new one.
	PasswordChange bool `json:"pwc,omitempty"`
}

// Tokens issues and validates the server's own tokens.
type Tokens struct {
	key      ed25519.PrivateKey
	kid      string
	issuer   string
	audience string
	ttl      time.Duration
	now      func() time.Time
	verified verifiedTokens // tokens whose signature verified (tokencache.go)
}

// NewTokens builds the token service from the Ed25519 seed kept in storage.
func NewTokens(seed []byte, issuer, audience string, ttl time.Duration, now func() time.Time) (*Tokens, error) {
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("token signing key: want a %d-byte Ed25519 seed, got %d bytes", ed25519.SeedSize, len(seed))
	}
	key := ed25519.NewKeyFromSeed(seed)
	return &Tokens{key: key, kid: KeyID(key.Public().(ed25519.PublicKey)), issuer: issuer,
		audience: audience, ttl: ttl, now: now}, nil
}

// NewSeed returns a fresh random Ed25519 seed.
func NewSeed() ([]byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	_, err := rand.Read(seed)
	return seed, err
}

// KeyID names a public key: the base64url SHA-256 of it, shortened.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// TTL is how long an issued token is valid.
func (t *Tokens) TTL() time.Duration { return t.ttl }

// Issue signs a token for the user.
func (t *Tokens) Issue(u domain.User) (string, error) {
	now := t.now()
	jti := make([]byte, 16)
	if _, err := rand.Read(jti); err != nil {
		return "", err
	}
	// A role the account holds that is no longer known (a policy's own
	// role, whose stages the policy loaded now no longer names) grants
	// nothing: it stays out of the token, which Verify would refuse.
	var roles []string
	for _, r := range u.Roles {
		if _, ok := domain.ParseRole(string(r)); ok {
			roles = append(roles, string(r))
		}
	}
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: t.issuer, Subject: u.Username, Audience: jwt.ClaimStrings{t.audience},
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(t.ttl)),
			ID: base64.RawURLEncoding.EncodeToString(jti),
		},
		Roles: roles, Nation: u.Nation, Generation: u.Generation, PasswordChange: u.MustChangePassword,
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = t.kid
	return tok.SignedString(t.key)
}

// ErrInvalidToken is returned for every token that does not verify; the
// reason is deliberately not told to the caller.
var ErrInvalidToken = errors.New("invalid token")

// Verify validates a token strictly and returns the principal it proves:
// EdDSA only, our key id only, exp required, iss and aud checked, iat not in
// the future, roles known, a liaison officer bound to a nation.
func (t *Tokens) Verify(raw string) (domain.Principal, error) {
	if len(raw) == 0 || len(raw) > MaxTokenLen {
		return domain.Principal{}, ErrInvalidToken
	}
	if claims, ok := t.verified.get(raw); ok {
		if err := t.validator().Validate(&claims); err != nil {
			return domain.Principal{}, ErrInvalidToken
		}
		return principalFrom(claims)
	}
	parser := jwt.NewParser(append(t.parserOptions(), jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}))...)
	var claims Claims
	_, err := parser.ParseWithClaims(raw, &claims, func(tok *jwt.Token) (any, error) {
		if kid, _ := tok.Header["kid"].(string); kid != t.kid {
			return nil, ErrInvalidToken
		}
		return t.key.Public(), nil
	})
	if err != nil {
		return domain.Principal{}, ErrInvalidToken
	}
	p, err := principalFrom(claims)
	if err == nil {
		t.verified.put(raw, claims)
	}
	return p, err
}

// parserOptions are the claim checks of Verify, with or without the
// signature.
func (t *Tokens) parserOptions() []jwt.ParserOption {
	return []jwt.ParserOption{
		jwt.WithIssuer(t.issuer), jwt.WithAudience(t.audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew), jwt.WithTimeFunc(t.now),
	}
}

func principalFrom(c Claims) (domain.Principal, error) {
	p := domain.Principal{Subject: c.Subject, Nation: c.Nation, Generation: c.Generation, MustChangePassword: c.PasswordChange}
	if p.Subject == "" || c.IssuedAt == nil || c.Generation < 1 {
		return domain.Principal{}, ErrInvalidToken
	}
	for _, name := range c.Roles {
		r, ok := domain.ParseRole(name)
		if !ok {
			return domain.Principal{}, ErrInvalidToken
		}
		p.Roles = append(p.Roles, r)
	}
	if len(p.Roles) == 0 || (p.IsLiaison() && p.Nation == "") || (!p.IsLiaison() && p.Nation != "") {
		return domain.Principal{}, ErrInvalidToken
	}
	return p, nil
}

// JWKS is the JSON Web Key Set with the public key, for /.well-known/jwks.json.
func (t *Tokens) JWKS() []byte {
	pub := t.key.Public().(ed25519.PublicKey)
	set := map[string]any{"keys": []map[string]string{{
		"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": t.kid,
		"x": base64.RawURLEncoding.EncodeToString(pub),
	}}}
	b, _ := json.Marshal(set)
	return b
}

// DeriveKey returns a 32-byte key for label, derived from the token
// signing key (HMAC-SHA256 of the label under the key's seed): a secret
// every replica that signs the same tokens shares, for values the server
// hands out and must read back unaltered and unread (the history's
// cursors). Another label gives an unrelated key; a new signing key gives
// new keys, so what was sealed under the old one no longer opens.
func (t *Tokens) DeriveKey(label string) []byte {
	m := hmac.New(sha256.New, t.key.Seed())
	m.Write([]byte(label))
	return m.Sum(nil)
}
