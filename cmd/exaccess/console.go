package main

import (
	"context"
	"log/slog"
	"time"

	"exaccess/api"
	"exaccess/internal/historycursor"
	"exaccess/web"
)

// addConsole mounts the web console on the API's server: the same services,
// the same middleware and rate limits, its own route table. Its history
// links are sealed with the key of the API's history cursors.
func addConsole(a *app, cfg config, log *slog.Logger, d *api.Deps) error {
	c, err := web.New(web.Deps{Requests: a.requests, Approvals: a.approvals, Frameworks: a.frameworks,
		Users: a.db, Accounts: a.users, Notifications: a.notifications, Principals: a.principals, Sessions: a.db, Reference: a.ref, Audit: d.Audit, Permits: d.Permits, Refusals: d.Refusals, Log: log, Now: time.Now,
		SecureCookies: cfg.SecureCookies, Inbox: d.Inbox, HistoryCursors: historycursor.ForTokens(d.Tokens),
		Limits: d.Limiter}) // the API's buckets: addSecurity runs first
	if err != nil {
		return err
	}
	d.Console = c
	return nil
}

// purgeExpired forgets expired idempotency keys (older than before) and
// console sessions that have ended.
func purgeExpired(a *app) func(ctx context.Context, before time.Time) (int64, error) {
	return func(ctx context.Context, before time.Time) (int64, error) {
		n, err := a.db.PurgeIdempotencyBefore(ctx, before)
		if err != nil {
			return n, err
		}
		m, err := a.db.DeleteSessionsBefore(ctx, time.Now())
		return n + m, err
	}
}
