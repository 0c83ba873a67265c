package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// config is the one configuration of the server: defaults, then environment
// variables, then flags.
type config struct {
	Addr string
	// MetricsAddr is the listener of GET /metrics, apart from the public
	// port; "off" serves no metrics.
	MetricsAddr string
	DB          string
	Policies    string
	Demo        bool
	Issuer      string
	Audience    string
	TokenTTL    time.Duration
	Security    securityConfig
	// Checkpoint is the audit log's checkpoint key, schedule and witnesses.
	Checkpoint checkpointConfig
	// Notify is how notifications are delivered (notify.go).
	Notify  notifyConfig
	envErrs []string // environment variables that did not parse

	// SecureCookies marks the console's session cookie Secure on plain
	// HTTP too: for a server behind a TLS-terminating proxy.
	SecureCookies bool
}

func defaultConfig() config {
	return config{Addr: "127.0.0.1:8080", MetricsAddr: "127.0.0.1:9090", DB: "exaccess.db", Issuer: "exaccess", Audience: "exaccess-api", TokenTTL: time.Hour,
		Security: defaultSecurity(), Checkpoint: defaultCheckpoint(), Notify: defaultNotify()}
}

// serveFlags binds the serve flags, each defaulting to its environment variable.
func serveFlags(cfg *config, getenv func(string) string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Addr, "addr", envOr(getenv, "EXACCESS_ADDR", cfg.Addr), "listen address (EXACCESS_ADDR)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", envOr(getenv, "EXACCESS_METRICS_ADDR", cfg.MetricsAddr),
		"listen address of GET /metrics, apart from --addr; off for none (EXACCESS_METRICS_ADDR)")
	dbFlag(fs, cfg, getenv)
	fs.StringVar(&cfg.Policies, "policies", envOr(getenv, "EXACCESS_POLICIES", cfg.Policies), "policy directory; empty for the embedded default (EXACCESS_POLICIES)")
	demo := false
	envBool(getenv, "EXACCESS_DEMO", &demo, &cfg.envErrs)
	fs.BoolVar(&cfg.Demo, "demo", demo, "seed demo users into an empty database (EXACCESS_DEMO); never in production")
	fs.StringVar(&cfg.Issuer, "jwt-issuer", envOr(getenv, "EXACCESS_JWT_ISSUER", cfg.Issuer), "iss of issued tokens (EXACCESS_JWT_ISSUER)")
	fs.StringVar(&cfg.Audience, "jwt-audience", envOr(getenv, "EXACCESS_JWT_AUDIENCE", cfg.Audience), "aud of issued tokens (EXACCESS_JWT_AUDIENCE)")
	ttl, err := time.ParseDuration(envOr(getenv, "EXACCESS_TOKEN_TTL", cfg.TokenTTL.String()))
	if err != nil {
		cfg.envErrs = append(cfg.envErrs, "EXACCESS_TOKEN_TTL must be a duration like 1h")
	} else {
		cfg.TokenTTL = ttl
	}
	fs.DurationVar(&cfg.TokenTTL, "token-ttl", cfg.TokenTTL, "lifetime of issued tokens (EXACCESS_TOKEN_TTL)")
	securityFlags(fs, &cfg.Security, getenv)
	checkpointFlags(fs, &cfg.Checkpoint, getenv)
	secure := false
	envBool(getenv, "EXACCESS_SECURE_COOKIES", &secure, &cfg.envErrs)
	fs.BoolVar(&cfg.SecureCookies, "secure-cookies", secure, "mark the console's session cookie Secure behind a TLS proxy (EXACCESS_SECURE_COOKIES)")
	notifyFlags(fs, &cfg.Notify, getenv, &cfg.envErrs)
	return fs
}

func dbFlag(fs *flag.FlagSet, cfg *config, getenv func(string) string) {
	fs.StringVar(&cfg.DB, "db", envOr(getenv, "EXACCESS_DB", cfg.DB), "SQLite file path, or PostgreSQL DSN: postgres://… or host=… dbname=… (EXACCESS_DB)")
}

func (c config) validate() error {
	errs := append([]string(nil), c.envErrs...) // a bad environment variable fails the start, never silently defaults
	if c.Addr == "" {
		errs = append(errs, "--addr is empty")
	} else if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Sprintf("--addr %q is not host:port, like 127.0.0.1:8080 or :8080", c.Addr))
	}
	if c.DB == "" {
		errs = append(errs, "--db is empty")
	}
	errs = append(errs, c.metricsAddrErrors()...)
	if c.TokenTTL < time.Minute || c.TokenTTL > 24*time.Hour {
		errs = append(errs, "--token-ttl must be between 1m and 24h")
	}
	if c.Issuer == "" || c.Audience == "" {
		errs = append(errs, "--jwt-issuer and --jwt-audience must not be empty")
	}
	errs = append(errs, c.Security.validate(c.Issuer)...)
	errs = append(errs, c.Checkpoint.validate()...)
	errs = append(errs, c.Notify.validate()...)
	if len(errs) > 0 {
		// A mistake in the flags or variables given, found before anything
		// is opened: exit 2, like a flag that does not parse.
		return &flagError{fmt.Sprintf("configuration: %s; see 'exaccess serve -h'", strings.Join(errs, "; "))}
	}
	return nil
}

// metricsAddrErrors checks --metrics-addr: host:port, or off; never the
// public listener's address.
func (c config) metricsAddrErrors() []string {
	if c.MetricsAddr == "off" {
		return nil
	}
	if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
		return []string{fmt.Sprintf("--metrics-addr %q is not host:port or off", c.MetricsAddr)}
	}
	if c.MetricsAddr == c.Addr {
		return []string{"--metrics-addr must differ from --addr: the metrics are never served on the public port"}
	}
	return nil
}

// maskedDB is the database setting safe to log: a DSN's password is hidden,
// whether in the user part (user:password@), in the query (?password=) or in
// the key=value form (password=...). A URL that does not parse is not shown
// at all: the password in it could not be found.
func maskedDB(dsn string) string {
	if !strings.Contains(dsn, "://") {
		return kvPassword.ReplaceAllString(dsn, "${1}xxxxx")
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return unparsableDSN
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	if u.RawQuery != "" {
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			return unparsableDSN
		}
		for k := range q {
			if strings.EqualFold(k, "password") {
				q[k] = []string{"xxxxx"}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

const unparsableDSN = "(unparsable DSN, not shown)"

// kvPassword finds the password of a key=value DSN (host=db password=secret
// or password='a b'), the form libpq and pgx accept beside URLs.
var kvPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]*)`)

// envBool reads a boolean from the environment into b; one that does not
// parse is recorded in envErrs, which stops the start.
func envBool(getenv func(string) string, key string, b *bool, envErrs *[]string) {
	v := getenv(key)
	if v == "" {
		return
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		*envErrs = append(*envErrs, key+" must be true or false")
	}
	*b = on
}

func envOr(getenv func(string) string, key, fallback string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return fallback
}
