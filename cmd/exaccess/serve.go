package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"exaccess/auditlog"
	"exaccess/domain"
)

// runServe runs the server until ctx is cancelled (SIGINT or SIGTERM), then
// stops accepting, lets requests in flight finish, and closes the database last.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	if err := parseFlags(serveFlags(&cfg, getenv, stderr), args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	gc := tuneGC(getenv)
	v := readBuildVersion()
	log.Info("starting", "version", v.Module, "revision", v.revision(), "schema_version", v.Schema, "addr", cfg.Addr, "metrics_addr", cfg.MetricsAddr, "db", maskedDB(cfg.DB), "policies", policyName(cfg.Policies), "demo", cfg.Demo, "gogc", gc)
	// Listen first: a port that is taken stops the start before the
	// database, the checkpoint key or the head file is created.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	warnReservedAccounts(ctx, a.users, log)
	if cfg.Demo {
		if err := seedDemo(ctx, a, cfg.Addr, stdout); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: a.api.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	metrics := serveMetrics(cfg.MetricsAddr, a, log)
	defer metrics.Close()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() { runExpirySweep(sweepCtx, a.approvals, purgeExpired(a), log); close(sweepDone) }()
	accountsDone := make(chan struct{})
	go func() { runAccountRefresh(sweepCtx, a.principals, log); close(accountsDone) }()
	defer func() { stopSweep(); <-accountsDone }()
	defer func() { stopSweep(); <-sweepDone }() // the sweep ends before the database closes
	cpDone := make(chan struct{})
	go func() {
		a.audit.RunCheckpoints(sweepCtx, auditlog.Schedule{Every: cfg.Checkpoint.Every, Interval: cfg.Checkpoint.Interval}, log)
		close(cpDone)
	}()
	defer func() { stopSweep(); <-cpDone }() // so do the checkpoints
	gapsDone := make(chan struct{})
	go func() { a.audit.RunGapChecks(sweepCtx, auditlog.DefaultGapSchedule, log); close(gapsDone) }()
	defer func() { stopSweep(); <-gapsDone }() // and the audit log's gap check
	notifyDone, err := startNotifier(sweepCtx, cfg.Notify, a, log)
	if err != nil {
		return err
	}
	defer func() { stopSweep(); <-notifyDone }() // and the notification worker
	log.Info("ready", "url", "http://"+ln.Addr().String(), "policy_version", a.policy.Version())
	fmt.Fprintf(stdout, "exaccess: listening on http://%s (policy %s)\n", ln.Addr(), a.policy.Version())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// serveMetrics serves GET /metrics on its own listener, away from the public
// port. A listener that cannot be opened (the address is taken, say by a
// second process on one host) is logged and leaves the API serving: metrics
// are not worth an outage. The returned server is closed at shutdown.
func serveMetrics(addr string, a *app, log *slog.Logger) *http.Server {
	srv := &http.Server{Handler: a.api.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second,
		WriteTimeout: 30 * time.Second, MaxHeaderBytes: 16 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	if addr == "off" {
		return srv
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Error("metrics listener not started; metrics are not served", "metrics_addr", addr, "error", err.Error())
		return srv
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close at shutdown
	log.Info("metrics", "url", "http://"+ln.Addr().String()+"/metrics")
	return srv
}

func policyName(dir string) string {
	if dir == "" {
		return "(embedded default)"
	}
	return dir
}

// warnReservedAccounts logs a warning for each enabled account named like
// the server's own actor in the audit log (domain.ReservedNameWarning),
// stored before the name was reserved: the audit log cannot tell its
// actions from the server's; and for each holding a role the loaded policy
// does not name (domain.UnknownRolesWarning), which grants it nothing.
// Nothing renames, disables or changes it; an administrator does.
func warnReservedAccounts(ctx context.Context, users *domain.UserService, log *slog.Logger) {
	legacy, err := users.LegacyAccounts(ctx)
	if err != nil {
		log.Warn("could not look for accounts named like the server's own actor", "error", err.Error())
		return
	}
	for _, a := range legacy {
		if domain.ReservedUsername(a.User.Username) {
			log.Warn("an account is "+domain.ReservedNameWarning, "username", a.User.Username, "id", a.User.ID)
		}
		if rs := domain.UnknownRoles(a.User.Roles); len(rs) > 0 {
			log.Warn("an account "+domain.UnknownRolesWarning(rs), "username", a.User.Username, "id", a.User.ID)
		}
	}
}
