package auth

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"
)

// Fetching the identity provider's key set: only the configured URL, never a
// redirect, with a timeout and a size bound, on a timer.
const (
	jwksTimeout       = 10 * time.Second
	jwksRefreshEvery  = 5 * time.Minute
	jwksRetryAfterErr = 30 * time.Second
)

// CheckJWKSURL accepts https URLs, and plain http only to a loopback host (a
// sidecar or a test server): keys fetched in the clear could be swapped on
// the way.
func CheckJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return fmt.Errorf("--jwks-url %q is not an absolute URL without credentials", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if ip := net.ParseIP(u.Hostname()); u.Hostname() == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("--jwks-url must be https (plain http only to a loopback address), got %q", raw)
}

// defaultJWKSClient follows no redirect: a redirect answers as itself, which
// is not 200, so the fetch fails rather than reaching another URL.
func defaultJWKSClient() *http.Client {
	return &http.Client{
		Timeout:       jwksTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Refresh fetches the key set from the configured URL and swaps it in. On
// any failure the keys held so far stay in use.
func (p *IdP) Refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, jwksTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.cfg.JWKSURL, nil)
	if err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("jwks: fetch: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("jwks: fetch: status %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSBytes+1))
	if err != nil {
		return fmt.Errorf("jwks: read: %w", err)
	}
	if err := p.SetKeys(data); err != nil {
		return fmt.Errorf("jwks: %w", err)
	}
	return nil
}

// RunRefresh refreshes the key set until ctx ends, after a first fetch done
// by the caller: every five minutes, and every 30 s while no key is held or
// after a failure. Errors are logged with the URL, never with keys.
func (p *IdP) RunRefresh(ctx context.Context, log *slog.Logger) {
	failed := p.KeyCount() == 0
	for {
		wait := jwksRefreshEvery
		if failed {
			wait = jwksRetryAfterErr
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		err := p.Refresh(ctx)
		if failed = err != nil; failed && ctx.Err() == nil {
			log.Error("identity provider key set", "url", p.cfg.JWKSURL, "error", err.Error())
		}
	}
}
