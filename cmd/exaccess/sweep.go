package main

import (
	"context"
	"log/slog"
	"time"

	"exaccess/domain"
)

// sweepInterval is how often approved requests whose period has ended are
// moved to expired. Reads report them as expired at once; the sweep records
// the transition and its audit entry.
const sweepInterval = time.Minute

// runExpirySweep sweeps at start and then every interval until ctx ends;
// it also purges expired idempotency keys.
func runExpirySweep(ctx context.Context, approvals *domain.ApprovalService,
	purge func(ctx context.Context, before time.Time) (int64, error), log *slog.Logger) {
	t := time.NewTicker(sweepInterval)
	defer t.Stop()
	for {
		n, err := approvals.ExpireEnded(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error("expiry sweep", "error", err.Error())
		case n > 0:
			log.Info("expiry sweep", "expired", n)
		}
		// Idempotency keys expire after a day; forget them for every user.
		if _, err := purge(ctx, time.Now().Add(-domain.IdempotencyTTL)); err != nil && ctx.Err() == nil {
			log.Error("idempotency purge", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// runAccountRefresh keeps this process's copy of every account's generation
// and disabled flag at most domain.AccountRefresh old, so that a change made
// by any process (or the command line) is honoured here within seconds.
func runAccountRefresh(ctx context.Context, c *domain.AccountCache, log *slog.Logger) {
	c.Run(ctx, domain.AccountRefresh, func(err error) {
		log.Error("account refresh", "error", err.Error())
	})
}
