package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"exaccess/api"
	"exaccess/api/auth/authtest"
)

func TestParseRate(t *testing.T) {
	for in, want := range map[string]api.Rate{
		"20/s:40": {Events: 20, Per: time.Second, Burst: 40},
		"5/m:5":   {Events: 5, Per: time.Minute, Burst: 5},
		"0.5/h:1": {Events: 0.5, Per: time.Hour, Burst: 1},
		"off":     {},
	} {
		if got, err := parseRate(in); err != nil || got != want {
			t.Errorf("parseRate(%q) = %+v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "20", "20/s", "20/d:1", "x/s:1", "20/s:0", "-1/s:5", "20/s:x", "1e9/s:1", "Off"} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
}

func TestSecurityConfigRefusesMistakes(t *testing.T) {
	idp := func(f func(s *securityConfig)) securityConfig {
		s := defaultSecurity()
		s.JWKSURL, s.IdPIssuer, s.IdPAudience = "https://idp.example.org/certs", "https://idp.example.org", "exaccess"
		f(&s)
		return s
	}
	if errs := idp(func(*securityConfig) {}).validate("exaccess"); len(errs) != 0 {
		t.Fatalf("a good configuration refused: %v", errs)
	}
	for name, s := range map[string]securityConfig{
		"proxy not a CIDR":       func() securityConfig { s := defaultSecurity(); s.TrustedProxies = "proxy.local"; return s }(),
		"proxy everything":       func() securityConfig { s := defaultSecurity(); s.TrustedProxies = "0.0.0.0/0"; return s }(),
		"rate garbage":           func() securityConfig { s := defaultSecurity(); s.RateUser = "fast"; return s }(),
		"url and file":           idp(func(s *securityConfig) { s.JWKSFile = "keys.json" }),
		"plain http":             idp(func(s *securityConfig) { s.JWKSURL = "http://idp.example.org/certs" }),
		"no issuer":              idp(func(s *securityConfig) { s.IdPIssuer = "" }),
		"no audience":            idp(func(s *securityConfig) { s.IdPAudience = "" }),
		"our own issuer":         idp(func(s *securityConfig) { s.IdPIssuer = "exaccess" }),
		"not a role name":        idp(func(s *securityConfig) { s.IdPRoles = "hns_officer,King" }),
		"no role":                idp(func(s *securityConfig) { s.IdPRoles = " , " }),
		"file without an issuer": func() securityConfig { s := defaultSecurity(); s.JWKSFile = "k.json"; return s }(),
	} {
		if errs := s.validate("exaccess"); len(errs) == 0 {
			t.Errorf("%s: accepted", name)
		}
	}
}

// startServe runs `exaccess serve` on a fresh database and returns its URL;
// it stops when the test ends.
func startServe(t *testing.T, args []string, vars map[string]string) string {
	t.Helper()
	if vars == nil {
		vars = map[string]string{}
	}
	vars["EXACCESS_DB"] = filepath.Join(t.TempDir(), "serve.db")
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), env(vars), nil, outW, io.Discard)
		outW.Close()
	}()
	t.Cleanup(func() { cancel(); <-done })
	sc := bufio.NewScanner(outR)
	for sc.Scan() {
		if _, url, ok := strings.Cut(sc.Text(), "listening on "); ok {
			go func() { _, _ = io.Copy(io.Discard, outR) }()
			return strings.Fields(url)[0]
		}
	}
	t.Fatalf("serve did not start: %v", <-done)
	return ""
}

// TestServeLimitsByDefault: with no flags, serve limits sign-in attempts.
func TestServeLimitsByDefault(t *testing.T) {
	base := startServe(t, []string{"--demo"}, nil)
	status := 0
	var retry string
	for i := range 6 {
		resp, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(`{"username":"lo-no","password":"wrong"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		status, retry = resp.StatusCode, resp.Header.Get("Retry-After")
		if i < 5 && status != 401 {
			t.Fatalf("attempt %d: %d", i+1, status)
		}
	}
	if status != 429 || retry == "" {
		t.Fatalf("6th attempt in a minute: %d, Retry-After %q", status, retry)
	}
}

// TestServeConsoleSharesTheLimits: serve hands the console the API's rate
// limiter, so both draw from one create/submit/withdraw bucket per user:
// after the API's create took lo-no's only token, the console's Submit of
// that draft answers 429 for lo-no.
func TestServeConsoleSharesTheLimits(t *testing.T) {
	base := startServe(t, []string{"--demo", "--rate-cycles", "1/h:1"}, nil)
	resp, err := http.Post(base+"/api/v1/auth/token", "application/json", strings.NewReader(`{"username":"lo-no","password":"demo"}`))
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	err = json.NewDecoder(resp.Body).Decode(&tok)
	resp.Body.Close()
	if err != nil || tok.AccessToken == "" {
		t.Fatalf("API sign-in: %d %v", resp.StatusCode, err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/api/v1/requests", bytes.NewReader(draftBody("ravlunda", 1)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID string `json:"id"`
	}
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || err != nil {
		t.Fatalf("the API's create: %d %v", resp.StatusCode, err)
	}

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err = browser.PostForm(base+"/sign-in", url.Values{"username": {"lo-no"}, "password": {"demo"}, "next": {"/"}}); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("console sign-in: %d", resp.StatusCode)
	}
	if resp, err = browser.Get(base + "/requests/new"); err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	csrf := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if csrf == nil {
		t.Fatalf("no CSRF token on the form: %d", resp.StatusCode)
	}
	if resp, err = browser.PostForm(base+"/requests/"+created.ID+"/submit", url.Values{"csrf": {string(csrf[1])}, "version": {"1"}}); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("console submit after the API's create: %d, Retry-After %q; want 429", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestServeAcceptsIdPTokens: with --jwks-file and the issuer and audience,
// a token the provider signed is accepted; a broken key file stops the start.
func TestServeAcceptsIdPTokens(t *testing.T) {
	stand := authtest.NewIdP(t)
	keys := filepath.Join(t.TempDir(), "jwks.json")
	if err := os.WriteFile(keys, stand.JWKS(), 0o600); err != nil {
		t.Fatal(err)
	}
	base := startServe(t, []string{"--jwks-file", keys, "--idp-issuer", stand.Issuer}, map[string]string{"EXACCESS_IDP_AUDIENCE": stand.Audience})
	lo := stand.Claims(time.Now(), "kari", "liaison_officer")
	lo["nation"] = "NO"
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+stand.Sign(t, authtest.KidRSA, lo))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"idp:kari"`) {
		t.Fatalf("IdP token: %d %s", resp.StatusCode, body)
	}
	if err := os.WriteFile(keys, []byte(`{"keys":[{"kty":"oct","kid":"k","k":"c2VjcmV0"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err = run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", filepath.Join(t.TempDir(), "x.db"),
		"--jwks-file", keys, "--idp-issuer", stand.Issuer, "--idp-audience", stand.Audience}, env(nil), nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "jwks-file") {
		t.Fatalf("serve with an unusable key file: %v", err)
	}
}
