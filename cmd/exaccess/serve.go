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
)

// runServe runs the server until ctx is cancelled (SIGINT or SIGTERM), then
// stops accepting, lets requests in flight finish, and closes the database last.
func runServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := defaultConfig()
	if err := serveFlags(&cfg, getenv, stderr).Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	log.Info("starting", "addr", cfg.Addr, "db", maskedDB(cfg.DB), "policies", policyName(cfg.Policies), "demo", cfg.Demo)
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.db.Close()
	if cfg.Demo {
		if err := seedDemo(ctx, a, cfg.Addr, stdout); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: a.api.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	sweepCtx, stopSweep := context.WithCancel(ctx)
	sweepDone := make(chan struct{})
	go func() { runExpirySweep(sweepCtx, a.approvals, purgeExpired(a), log); close(sweepDone) }()
	defer func() { stopSweep(); <-sweepDone }() // the sweep ends before the database closes
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

func policyName(dir string) string {
	if dir == "" {
		return "(embedded default)"
	}
	return dir
}
