package auth

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"exaccess/domain"

	"github.com/golang-jwt/jwt/v5"
)

// MaxIdPTokenLen bounds an identity provider's token: they carry more claims
// than ours (groups, names), but still a few KiB at most.
const MaxIdPTokenLen = 16 << 10

// IdPSubjectPrefix starts the subject of every principal proven by the
// identity provider. Local usernames cannot hold a colon, so an IdP user can
// never pass for a local account (its delegations, its decisions).
const IdPSubjectPrefix = "idp:"

// IdPConfig configures tokens signed by an organisation's identity provider.
type IdPConfig struct {
	JWKSURL  string // where the key set is fetched; empty when it is given as a file
	Issuer   string // the exact iss of its tokens
	Audience string // an aud its tokens must carry

	RolesClaim   string        // claim holding role names; dots descend into objects
	NationClaim  string        // claim holding a liaison officer's nation
	AllowedRoles []domain.Role // the roles it may grant; other names in the claim are ignored
	// KnownNation returns the canonical code of a nation of the reference data.
	KnownNation func(string) (string, bool)

	Client *http.Client     // nil: a client with a timeout that follows no redirects
	Now    func() time.Time // nil: time.Now
}

// IdP verifies tokens of an external identity provider against the key set
// it publishes. The set is swapped atomically on refresh, so verification
// never waits for a fetch.
type IdP struct {
	cfg    IdPConfig
	keys   atomic.Pointer[map[string]idpKey]
	client *http.Client
}

// NewIdP checks the configuration; keys come from SetKeys or Refresh.
func NewIdP(cfg IdPConfig) (*IdP, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("identity provider: issuer and audience are required")
	}
	if cfg.KnownNation == nil {
		return nil, errors.New("identity provider: no nation lookup")
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.NationClaim == "" {
		cfg.NationClaim = "nation"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := &IdP{cfg: cfg, client: cfg.Client}
	if p.client == nil {
		p.client = defaultJWKSClient()
	}
	return p, nil
}

// SetKeys replaces the key set with data; on error the old set stays.
func (p *IdP) SetKeys(data []byte) error {
	keys, err := parseJWKS(data)
	if err != nil {
		return err
	}
	p.keys.Store(&keys)
	return nil
}

// KeyCount is the number of usable keys held.
func (p *IdP) KeyCount() int {
	if k := p.keys.Load(); k != nil {
		return len(*k)
	}
	return 0
}

// Verify validates a token of the identity provider: one of the pinned
// algorithms, a key id of its current set with that key's own algorithm,
// exp and iat required, iss and aud checked, iat not in the future, and
// roles and nation that pass the allow-lists. The iat orders the tokens of
// one subject: an account takes the claims of the newest token it has seen
// (domain.JudgeClaims), so a token without one is refused.
func (p *IdP) Verify(raw string) (domain.Principal, error) {
	keys := p.keys.Load()
	if keys == nil || len(raw) == 0 || len(raw) > MaxIdPTokenLen {
		return domain.Principal{}, ErrInvalidToken
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{algEdDSA, algES256, algRS256}),
		jwt.WithIssuer(p.cfg.Issuer), jwt.WithAudience(p.cfg.Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew), jwt.WithTimeFunc(p.cfg.Now),
	)
	claims := jwt.MapClaims{}
	_, err := parser.ParseWithClaims(raw, claims, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		k, ok := (*keys)[kid]
		if !ok || tok.Method.Alg() != k.alg {
			return nil, ErrInvalidToken
		}
		return k.public, nil
	})
	if err != nil {
		return domain.Principal{}, ErrInvalidToken
	}
	return p.principal(claims)
}

// principal maps verified claims to a principal through the allow-lists.
// Role names the server does not know, or the IdP may not grant, are
// ignored (an IdP's tokens serve many applications); a token left with no
// role is refused. As for local accounts, a liaison officer holds no other
// role and must name a known nation; others carry no nation; and admin
// (when allowed at all) stands alone: administrators never decide. The
// subject is prefixed (IdPSubjectPrefix), so a subject "system" becomes
// "idp:system", never the audit log's domain.SystemActor.
func (p *IdP) principal(c jwt.MapClaims) (domain.Principal, error) {
	sub, _ := c["sub"].(string)
	iat, err := c.GetIssuedAt()
	if !validSubject(sub) || err != nil || iat == nil {
		return domain.Principal{}, ErrInvalidToken
	}
	pr := domain.Principal{Subject: IdPSubjectPrefix + sub, Roles: p.roles(claimAt(c, p.cfg.RolesClaim)), External: true,
		IssuedAt: iat.UTC()}
	switch {
	case len(pr.Roles) == 0:
		return domain.Principal{}, ErrInvalidToken
	case pr.IsLiaison() && len(pr.Roles) > 1:
		return domain.Principal{}, ErrInvalidToken
	case domain.AdminWithOtherRoles(pr.Roles):
		return domain.Principal{}, ErrInvalidToken
	case pr.IsLiaison():
		name, _ := claimAt(c, p.cfg.NationClaim).(string)
		code, ok := p.cfg.KnownNation(name)
		// Sweden is the host nation: no liaison officer acts for it
		// (domain.HostNation), here as for local accounts.
		if name == "" || !ok || code == domain.HostNation {
			return domain.Principal{}, ErrInvalidToken
		}
		pr.Nation = code
	}
	return pr, nil
}

func (p *IdP) roles(v any) []domain.Role {
	var names []any
	switch t := v.(type) {
	case string:
		names = []any{t}
	case []any:
		names = t
	}
	var out []domain.Role
	for _, n := range names {
		s, _ := n.(string)
		r, ok := domain.ParseRole(s)
		if ok && slices.Contains(p.cfg.AllowedRoles, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// claimAt follows a dotted path ("realm_access.roles") into the claims.
func claimAt(c jwt.MapClaims, path string) any {
	var v any = map[string]any(c)
	for _, part := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[part]
	}
	return v
}

// validSubject: a subject ends up in audit entries and logs, so it must be
// short and printable.
func validSubject(s string) bool {
	return len(s) > 0 && len(s) <= 128 && !strings.ContainsFunc(s, func(r rune) bool { return r < 0x21 || r > 0x7e })
}
