package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// progress prints one line per second while an operation runs.
type progress struct {
	w  io.Writer
	mu sync.Mutex
}

// watch prints what's count while it grows, until the returned stop.
func (p *progress) watch(what string, count *atomic.Int64, total string) func() {
	done := make(chan struct{})
	start := time.Now()
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				p.mu.Lock()
				fmt.Fprintf(p.w, "bench: %-8s %6.1fs %8d %s\n", what, time.Since(start).Seconds(), count.Load(), total)
				p.mu.Unlock()
			}
		}
	}()
	return func() { close(done) }
}

// seed stores cfg.Requests requests in review booking cfg.SeedArea: created
// and submitted through HTTP by cfg.Clients clients, or, with --bulk-seed,
// copies of one such submission stored directly.
func (b *benchClient) seed(ctx context.Context, cfg benchConfig, p *progress) error {
	if cfg.Requests == 0 {
		return nil
	}
	if cfg.BulkSeed {
		return b.bulkSeed(ctx, cfg, p)
	}
	var next, done atomic.Int64
	stop := p.watch("seed", &done, fmt.Sprintf("of %d requests in review on %s", cfg.Requests, cfg.SeedArea))
	defer stop()
	var mu sync.Mutex
	return parallel(cfg.Clients, func() error {
		for {
			n := int(next.Add(1))
			if n > cfg.Requests {
				return nil
			}
			h, err := b.create(ctx, cfg.SeedArea, n)
			if err == nil {
				h, err = b.submit(ctx, h)
			}
			if err != nil {
				return err
			}
			mu.Lock()
			b.seeded = append(b.seeded, h.id)
			mu.Unlock()
			b.put(&b.submitted, h)
			done.Add(1)
		}
	})
}

// bulkSeed submits one request through HTTP and stores cfg.Requests-1
// copies of it (new ids and references, the demo nations in turn) through
// storage.SeedForBench: the same rows the services write, without audit
// entries.
func (b *benchClient) bulkSeed(ctx context.Context, cfg benchConfig, p *progress) error {
	h, err := b.create(ctx, cfg.SeedArea, 0)
	if err == nil {
		h, err = b.submit(ctx, h)
	}
	if err != nil {
		return err
	}
	db := cfg.app.db
	tpl, err := db.GetRequest(ctx, h.id)
	if err != nil {
		return err
	}
	b.seeded = append(b.seeded, h.id)
	var done atomic.Int64
	stop := p.watch("seed", &done, fmt.Sprintf("of %d requests stored in bulk", cfg.Requests))
	defer stop()
	nations := []string{"NO", "DE", "AT"}
	const chunk = 50_000
	for start := 1; start < cfg.Requests; start += chunk {
		rs := make([]*domain.Request, 0, chunk)
		for i := start; i < min(start+chunk, cfg.Requests); i++ {
			r := *tpl
			r.ID, r.Nation = newID(), nations[i%len(nations)]
			r.CreatedBy = "lo-" + r.Nation
			r.Reference = domain.FormatReference(tpl.SubmittedAt.Year(), int64(5_000_000+i))
			rs = append(rs, &r)
			if i%2000 == 0 {
				b.seeded = append(b.seeded, r.ID)
			}
		}
		if err := db.SeedForBench(ctx, rs); err != nil {
			return err
		}
		done.Add(int64(len(rs)))
	}
	return nil
}

// parallel runs fn in n goroutines and returns the first error.
func parallel(n int, fn func() error) error {
	errs := make(chan error, n)
	for range n {
		go func() { errs <- fn() }()
	}
	var first error
	for range n {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// benchOp is one measured operation: step runs one call; false means there
// is nothing left to do (no drafts left to submit, say).
type benchOp func(ctx context.Context, client, i int) (ok bool, err error)

func (b *benchClient) op(name string, cfg benchConfig) benchOp {
	switch name {
	case "create":
		return func(ctx context.Context, _, i int) (bool, error) {
			h, err := b.create(ctx, cfg.Area, i)
			if err == nil {
				b.put(&b.drafts, h)
			}
			return true, err
		}
	case "submit":
		return func(ctx context.Context, _, _ int) (bool, error) {
			h, ok := b.take(&b.drafts)
			if !ok {
				return false, nil
			}
			h, err := b.submit(ctx, h)
			if err == nil {
				b.mu.Lock()
				b.submitted = append([]handle{h}, b.submitted...) // decided first: freshly submitted
				b.mu.Unlock()
			}
			return true, err
		}
	case "decide":
		return func(ctx context.Context, _, _ int) (bool, error) {
			h, ok := b.take(&b.submitted)
			if !ok {
				return false, nil
			}
			return true, b.decide(ctx, h)
		}
	case "queue":
		return func(ctx context.Context, _, _ int) (bool, error) {
			return true, b.get(ctx, "queue", "/api/v1/queue?limit=50", "hns")
		}
	case "list":
		return func(ctx context.Context, _, i int) (bool, error) {
			path := "/api/v1/requests?status=in_review&limit=50"
			if i%2 == 1 && len(b.seeded) > 0 { // every other page from somewhere in the middle
				path += "&after=" + url.QueryEscape(b.seeded[rand.IntN(len(b.seeded))])
			}
			return true, b.get(ctx, "list", path, "lo-no")
		}
	case "export":
		return func(ctx context.Context, _, _ int) (bool, error) {
			return true, b.get(ctx, "export", "/api/v1/audit/export", "auditor")
		}
	}
	panic("bench: unknown operation " + name)
}

// runOps measures each operation in turn.
func runOps(ctx context.Context, b *benchClient, cfg benchConfig, res *benchResult, p *progress) error {
	if cfg.Profile != "" {
		f, err := os.Create(cfg.Profile)
		if err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	for _, name := range cfg.Ops {
		r, err := measure(ctx, name, b.op(name, cfg), cfg, p)
		if err != nil {
			return err
		}
		res.Ops = append(res.Ops, r)
	}
	return nil
}

// measure runs op with cfg.Clients clients for cfg.Duration, or until it
// runs out of work.
func measure(ctx context.Context, name string, op benchOp, cfg benchConfig, p *progress) (opResult, error) {
	var count, errCount, seq atomic.Int64
	var firstErr atomic.Value
	stop := p.watch(name, &count, "calls")
	defer stop()
	lats := make([][]time.Duration, cfg.Clients)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				ok, err := op(ctx, c, int(seq.Add(1)))
				if !ok {
					return
				}
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lats[c] = append(lats[c], time.Since(t0))
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return opResult{}, err
	}
	r := summarize(name, lats, time.Since(start))
	r.Errors = errCount.Load()
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	if r.Count == 0 {
		return r, errors.New("bench: " + name + ": no call succeeded: " + r.FirstError)
	}
	return r, nil
}

// runRaw measures the raw-SQLite baseline on a database of its own.
func runRaw(ctx context.Context, cfg benchConfig, p *progress, name string) (*opResult, error) {
	var count atomic.Int64
	stop := p.watch(name, &count, "transactions")
	lat, took, err := storage.RawBaseline(ctx, filepath.Join(cfg.Workspace, name+".db"), cfg.Clients, cfg.Duration, &count)
	stop()
	if err != nil {
		return nil, err
	}
	r := summarize(name, [][]time.Duration{lat}, took)
	return &r, nil
}

// meanRaw is the baseline the ratios use: the two runs' mean rate and
// their worse latencies.
func meanRaw(a, b opResult) *opResult {
	return &opResult{Name: "raw-sqlite (mean)", Count: a.Count + b.Count, Seconds: a.Seconds + b.Seconds,
		PerSecond: (a.PerSecond + b.PerSecond) / 2, P50: max(a.P50, b.P50), P95: max(a.P95, b.P95), P99: max(a.P99, b.P99)}
}
