package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"exaccess/api"
	"exaccess/api/auth"
	"exaccess/domain"
)

// addSecurity puts the server's defences into d: the client address
// extractor, the rate limiter (always on in serve, unless every rate is
// "off") and, when configured, the external identity provider, whose key set
// it keeps fresh until ctx ends. It logs what it set up, never a key.
func addSecurity(ctx context.Context, s securityConfig, ref *domain.ReferenceData, log *slog.Logger, d *api.Deps) error {
	trusted, err := api.ParseTrustedProxies(s.TrustedProxies)
	if err != nil {
		return err
	}
	limits, err := s.limits()
	if err != nil {
		return err
	}
	d.ClientAddress = api.ClientAddress(trusted)
	d.Limiter = api.NewRateLimiter(limits, time.Now)
	log.Info("security", "trusted_proxies", len(trusted), "rate_user", s.RateUser,
		"rate_address", s.RateAddress, "rate_signin", s.RateSignIn, "rate_cycles", s.RateCycles)
	if s.JWKSURL == "" && s.JWKSFile == "" {
		return nil
	}
	d.IdP, err = newIdP(ctx, s, ref, log)
	return err
}

func newIdP(ctx context.Context, s securityConfig, ref *domain.ReferenceData, log *slog.Logger) (*auth.IdP, error) {
	allowed, err := parseRoles(s.IdPRoles) // after loadPolicy: the policy's roles are known
	if err != nil {
		return nil, fmt.Errorf("--idp-roles: %w", err)
	}
	idp, err := auth.NewIdP(auth.IdPConfig{JWKSURL: s.JWKSURL, Issuer: s.IdPIssuer, Audience: s.IdPAudience,
		RolesClaim: s.IdPRolesClaim, NationClaim: s.IdPNationClaim, AllowedRoles: allowed,
		KnownNation: func(code string) (string, bool) { n, ok := ref.Nation(code); return n.Code, ok }})
	if err != nil {
		return nil, err
	}
	if s.JWKSFile != "" {
		// A local file is the operator's own: if it is wrong, refuse to start.
		if err := loadJWKSFile(idp, s.JWKSFile); err != nil {
			return nil, err
		}
	} else if err := idp.Refresh(ctx); err != nil {
		// The IdP being down must not stop local sign-in; its tokens are
		// refused until a refresh succeeds.
		log.Error("identity provider key set", "url", s.JWKSURL, "error", err.Error())
	}
	if s.JWKSURL != "" {
		go idp.RunRefresh(ctx, log)
	}
	log.Info("identity provider", "issuer", s.IdPIssuer, "audience", s.IdPAudience,
		"jwks", s.JWKSURL+s.JWKSFile, "keys", idp.KeyCount(), "roles", s.IdPRoles)
	return idp, nil
}

func loadJWKSFile(idp *auth.IdP, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("--jwks-file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, auth.MaxJWKSBytes+1))
	if err != nil {
		return fmt.Errorf("--jwks-file: %w", err)
	}
	if err := idp.SetKeys(data); err != nil {
		return fmt.Errorf("--jwks-file %s: %w", path, err)
	}
	return nil
}
