package auth

import (
	"sync"

	"github.com/golang-jwt/jwt/v5"
)

// Verified tokens are remembered. Checking an Ed25519 signature costs about
// 50 µs of CPU, a sizeable part of a small request, and a client sends the
// same token on every request until it expires. The signature of a given
// string of bytes under the one key of a Tokens either verifies or does not,
// forever, so a token whose exact bytes verified once needs only its
// time-bound claims (exp, iat, with the same leeway) checked again; issuer,
// audience, key id and roles are part of those bytes. Only tokens that passed
// every check are kept, so nothing an attacker sends without a valid token
// enters the cache, and its size is bounded: when full it is emptied, which
// costs the next requests one verification each. The account checks after
// Verify (generation, disabled: domain.PrincipalCheck) run on every request
// as before.

// maxVerifiedTokens bounds the cache: a few hundred bytes a token.
const maxVerifiedTokens = 4096

type verifiedTokens struct {
	mu sync.Mutex
	m  map[string]Claims
}

func (c *verifiedTokens) get(raw string) (Claims, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	claims, ok := c.m[raw]
	return claims, ok
}

func (c *verifiedTokens) put(raw string, claims Claims) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxVerifiedTokens {
		c.m = make(map[string]Claims)
	}
	c.m[raw] = claims
}

// validator checks the time-bound and fixed claims exactly as Verify's
// parser does, without the signature.
func (t *Tokens) validator() *jwt.Validator {
	return jwt.NewValidator(t.parserOptions()...)
}
