package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"exaccess/api"
	"exaccess/api/auth"
	"exaccess/domain"
)

// securityConfig is the part of the configuration that defends the server:
// where client addresses come from, the rate limits, and an external
// identity provider.
type securityConfig struct {
	TrustedProxies    string // CIDRs whose X-Forwarded-For is believed
	RateUser          string // "20/s:40": 20 per second, bursts of 40; "off"
	RateAddress       string
	RateSignIn        string
	RateSignInAddress string
	RateCycles        string

	JWKSURL        string
	JWKSFile       string
	IdPIssuer      string
	IdPAudience    string
	IdPRolesClaim  string
	IdPNationClaim string
	IdPRoles       string // comma-separated allow-list of roles the IdP may grant
}

func defaultSecurity() securityConfig {
	return securityConfig{RateUser: "20/s:40", RateAddress: "50/s:100", RateSignIn: "5/m:5", RateSignInAddress: "30/m:30", RateCycles: "60/h:30",
		IdPRolesClaim: "roles", IdPNationClaim: "nation", IdPRoles: idpRolesDefault()}
}

// idpRolesDefault is every role but admin: who administers users is decided
// here, not by another organisation's directory, unless configured.
func idpRolesDefault() string {
	var names []string
	for _, r := range domain.AllRoles() { // the built-in ones: the policy is not loaded yet
		if r != domain.RoleAdmin {
			names = append(names, string(r))
		}
	}
	return strings.Join(names, ",")
}

// securityFlags binds the flags, each defaulting to its environment variable.
func securityFlags(fs *flag.FlagSet, s *securityConfig, getenv func(string) string) {
	str := func(p *string, name, env, usage string) {
		fs.StringVar(p, name, envOr(getenv, env, *p), usage+" ("+env+")")
	}
	str(&s.TrustedProxies, "trusted-proxies", "EXACCESS_TRUSTED_PROXIES", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed; empty: none")
	str(&s.RateUser, "rate-user", "EXACCESS_RATE_USER", "requests per signed-in user, RATE/UNIT:BURST (s, m or h) or off")
	str(&s.RateAddress, "rate-address", "EXACCESS_RATE_ADDRESS", "requests per client address, RATE/UNIT:BURST or off")
	str(&s.RateSignIn, "rate-signin", "EXACCESS_RATE_SIGNIN", "failed sign-in attempts per client address and username (a successful one uses up nothing), RATE/UNIT:BURST or off")
	str(&s.RateSignInAddress, "rate-signin-address", "EXACCESS_RATE_SIGNIN_ADDRESS", "failed sign-in attempts per client address, whatever the username (a successful one uses up nothing), RATE/UNIT:BURST or off")
	str(&s.RateCycles, "rate-cycles", "EXACCESS_RATE_CYCLES", "creates, submits and withdrawals of requests per user, RATE/UNIT:BURST or off")
	str(&s.JWKSURL, "jwks-url", "EXACCESS_JWKS_URL", "key set URL of an external identity provider (https)")
	str(&s.JWKSFile, "jwks-file", "EXACCESS_JWKS_FILE", "key set file of an external identity provider, instead of --jwks-url")
	str(&s.IdPIssuer, "idp-issuer", "EXACCESS_IDP_ISSUER", "iss of the identity provider's tokens")
	str(&s.IdPAudience, "idp-audience", "EXACCESS_IDP_AUDIENCE", "aud the identity provider's tokens must carry")
	str(&s.IdPRolesClaim, "idp-roles-claim", "EXACCESS_IDP_ROLES_CLAIM", "claim with role names; dots descend (realm_access.roles)")
	str(&s.IdPNationClaim, "idp-nation-claim", "EXACCESS_IDP_NATION_CLAIM", "claim with a liaison officer's nation")
	str(&s.IdPRoles, "idp-roles", "EXACCESS_IDP_ROLES", "comma-separated roles the identity provider may grant")
}

// validate returns every problem; ownIssuer is the iss of our own tokens.
func (s securityConfig) validate(ownIssuer string) []string {
	var errs []string
	if _, err := api.ParseTrustedProxies(s.TrustedProxies); err != nil {
		errs = append(errs, "--trusted-proxies: "+err.Error())
	}
	if _, err := s.limits(); err != nil {
		errs = append(errs, err.Error())
	}
	if s.JWKSURL == "" && s.JWKSFile == "" {
		return errs
	}
	switch {
	case s.JWKSURL != "" && s.JWKSFile != "":
		errs = append(errs, "give --jwks-url or --jwks-file, not both")
	case s.JWKSURL != "":
		if err := auth.CheckJWKSURL(s.JWKSURL); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if s.IdPIssuer == "" || s.IdPAudience == "" {
		errs = append(errs, "an identity provider needs --idp-issuer and --idp-audience")
	}
	if s.IdPIssuer == ownIssuer {
		errs = append(errs, "--idp-issuer must differ from --jwt-issuer, the issuer of the server's own tokens")
	}
	if err := wellFormedRoles(s.IdPRoles); err != nil {
		errs = append(errs, "--idp-roles: "+err.Error())
	}
	return errs
}

// wellFormedRoles checks a list of roles before the policy is loaded, which
// may add approver roles: each must be a role name. knownIdPRoles, once the
// policy is loaded, refuses one that is no known role.
func wellFormedRoles(list string) error {
	n := 0
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if _, ok := domain.ParseRole(name); !ok && !domain.WellFormedRoleName(name) {
			return fmt.Errorf("unknown role %q", name)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no role named")
	}
	return nil
}

// knownIdPRoles checks --idp-roles once the policy is loaded (openApp),
// before the database is opened: every role must be known, a built-in one
// or one the policy adds. Without an identity provider it checks nothing.
func (s securityConfig) knownIdPRoles() error {
	if s.JWKSURL == "" && s.JWKSFile == "" {
		return nil
	}
	if _, err := parseRoles(s.IdPRoles); err != nil {
		return fmt.Errorf("--idp-roles: %w", err)
	}
	return nil
}

// limits parses the rates.
func (s securityConfig) limits() (api.RateLimits, error) {
	l := api.DefaultRateLimits()
	var err error
	for _, f := range []struct {
		flag, value string
		into        *api.Rate
	}{{"--rate-user", s.RateUser, &l.PerUser}, {"--rate-address", s.RateAddress, &l.PerAddress}, {"--rate-signin", s.RateSignIn, &l.SignIn},
		{"--rate-signin-address", s.RateSignInAddress, &l.SignInAddress}, {"--rate-cycles", s.RateCycles, &l.Cycles}} {
		if *f.into, err = parseRate(f.value); err != nil {
			return l, fmt.Errorf("%s: %w", f.flag, err)
		}
	}
	return l, nil
}

// parseRate reads RATE/UNIT:BURST, like 20/s:40 or 5/m:5; "off" limits nothing.
func parseRate(s string) (api.Rate, error) {
	if s == "off" {
		return api.Rate{}, nil
	}
	bad := fmt.Errorf("%q is not RATE/UNIT:BURST (like 20/s:40) or off", s)
	rate, rest, ok1 := strings.Cut(s, "/")
	unit, burst, ok2 := strings.Cut(rest, ":")
	per := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour}[unit]
	n, err1 := strconv.ParseFloat(rate, 64)
	b, err2 := strconv.Atoi(burst)
	if !ok1 || !ok2 || per == 0 || err1 != nil || err2 != nil || n <= 0 || n > 1e6 || b < 1 || b > 1e6 {
		return api.Rate{}, bad
	}
	return api.Rate{Events: n, Per: per, Burst: b}, nil
}

func parseRoles(list string) ([]domain.Role, error) {
	var out []domain.Role
	for _, name := range strings.Split(list, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		r, ok := domain.ParseRole(name)
		if !ok {
			return nil, fmt.Errorf("unknown role %q (one of %s)", name, joinRoles(domain.AllRoles()))
		}
		out = append(out, r)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no role named")
	}
	return out, nil
}
