package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

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
// copies of it with storage.CloneForBench: the same rows the services
// write, without audit entries.
func (b *benchClient) bulkSeed(ctx context.Context, cfg benchConfig, p *progress) error {
	h, err := b.create(ctx, cfg.SeedArea, 0)
	if err == nil {
		h, err = b.submit(ctx, h)
	}
	if err != nil {
		return err
	}
	b.seeded = append(b.seeded, h.id)
	var done atomic.Int64
	stop := p.watch("seed", &done, fmt.Sprintf("of %d requests copied in bulk", cfg.Requests-1))
	defer stop()
	if err := cfg.app.db.CloneForBench(ctx, h.id, cfg.Requests-1, &done); err != nil {
		return err
	}
	for i := 1; i < cfg.Requests; i += 2000 { // list cursors spread over the copies
		b.seeded = append(b.seeded, fmt.Sprintf("01800000-%04x-7%03x-8000-%012x", i/4096, i%4096, i))
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

// benchOp is one measured operation: one call; ok false means there is
// nothing left to do (no drafts left to submit, say). tag, when not "",
// files the call under name@tag.
type benchOp func(ctx context.Context, client, i int) (ok bool, tag string, err error)

// areaOf is the training area the i-th created request books: with
// --compare-area every other one books the comparison area.
func areaOf(cfg benchConfig, i int) string {
	if cfg.CompareArea != "" && i%2 == 1 {
		return cfg.CompareArea
	}
	return cfg.Area
}

func (b *benchClient) op(name string, cfg benchConfig) benchOp {
	switch name {
	case "create":
		return func(ctx context.Context, _, i int) (bool, string, error) {
			h, err := b.create(ctx, areaOf(cfg, i), i)
			if err == nil {
				b.put(b.draftList(areaOf(cfg, i)), h)
			}
			return true, "", err
		}
	case "submit":
		return func(ctx context.Context, _, i int) (bool, string, error) {
			area := areaOf(cfg, i)
			h, ok := b.take(b.draftList(area))
			if !ok {
				return false, "", nil
			}
			h, err := b.submit(ctx, h)
			if err == nil {
				b.mu.Lock()
				b.submitted = append([]handle{h}, b.submitted...) // decided first: freshly submitted
				b.mu.Unlock()
			}
			return true, area, err
		}
	case "decide":
		return func(ctx context.Context, _, _ int) (bool, string, error) {
			h, ok := b.take(&b.submitted)
			if !ok {
				return false, "", nil
			}
			return true, "", b.decide(ctx, h)
		}
	case "queue":
		return func(ctx context.Context, _, _ int) (bool, string, error) {
			return true, "", b.get(ctx, "queue", "/api/v1/queue?limit=50", "hns")
		}
	case "list":
		return func(ctx context.Context, _, i int) (bool, string, error) {
			path := "/api/v1/requests?status=in_review&limit=50"
			if i%2 == 1 && len(b.seeded) > 0 { // every other page from somewhere in the middle
				// The API's cursor is opaque to clients; the bench, part of
				// the same program, forms one to start a page mid-list.
				cursor := base64.RawURLEncoding.EncodeToString([]byte("r1:" + b.seeded[rand.IntN(len(b.seeded))]))
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			return true, "", b.get(ctx, "list", path, "lo-no")
		}
	case "export":
		return func(ctx context.Context, _, _ int) (bool, string, error) {
			return true, "", b.get(ctx, "export", exportPath, "auditor")
		}
	}
	panic("bench: unknown operation " + name)
}

// runOps measures each operation in turn. Unless sameRowsOff, each write
// operation runs between two copies of the database, its changes recorded:
// the phases runSameRows replays.
func runOps(ctx context.Context, b *benchClient, cfg benchConfig, res *benchResult, p *progress) ([]*sameRowsPhase, error) {
	if cfg.Profile != "" {
		f, err := os.Create(cfg.Profile)
		if err != nil {
			return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return nil, fmt.Errorf("bench: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var phases []*sameRowsPhase
	for _, name := range cfg.Ops {
		var ph *sameRowsPhase
		if writeOps[name] && sameRowsOff(cfg) == "" {
			var err error
			if ph, err = startSameRows(ctx, cfg, name); err != nil {
				return nil, err
			}
		}
		ws, watched := writerStats(cfg)
		start := time.Now()
		rs, err := measure(ctx, name, b.op(name, cfg), cfg, p)
		if now, ok := writerStats(cfg); watched && ok && err == nil {
			rs[0].Writer = newWriterResult(now.Sub(ws), time.Since(start))
		}
		if ph != nil {
			if err == nil {
				err = ph.stop(ctx, cfg)
			} else {
				cfg.app.db.RecordWrites(nil) //nolint:errcheck // SQLite: set in startSameRows
			}
			phases = append(phases, ph)
		}
		if err != nil {
			return nil, err
		}
		res.Ops = append(res.Ops, rs...)
	}
	return phases, nil
}

// writerStats reads the in-process SQLite committer's counters; false when
// the bench drives --target or the database has no committer.
func writerStats(cfg benchConfig) (storage.WriterStats, bool) {
	if cfg.app == nil {
		return storage.WriterStats{}, false
	}
	return cfg.app.db.WriterStats()
}

// measure runs op with cfg.Clients clients for cfg.Duration, or until it
// runs out of work: one result, and with --compare-area one more per area
// the calls booked (submit@AREA).
func measure(ctx context.Context, name string, op benchOp, cfg benchConfig, p *progress) ([]opResult, error) {
	var count, errCount, seq atomic.Int64
	var firstErr atomic.Value
	stop := p.watch(name, &count, "calls")
	defer stop()
	lats := make([]map[string][]time.Duration, cfg.Clients)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for c := range cfg.Clients {
		lats[c] = map[string][]time.Duration{}
		wg.Go(func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				ok, tag, err := op(ctx, c, int(seq.Add(1)))
				if !ok {
					return
				}
				if err != nil {
					errCount.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				lats[c][tag] = append(lats[c][tag], time.Since(t0))
				count.Add(1)
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	took := time.Since(start)
	var all [][]time.Duration
	for _, l := range lats {
		for _, d := range l {
			all = append(all, d)
		}
	}
	out := []opResult{summarize(name, all, took)}
	for _, tag := range tagsOf(lats) {
		if tag == "" || cfg.CompareArea == "" {
			continue // one row is enough
		}
		var byClient [][]time.Duration
		for _, l := range lats {
			byClient = append(byClient, l[tag])
		}
		out = append(out, summarize(name+"@"+tag, byClient, took))
	}
	out[0].Errors = errCount.Load()
	if e, ok := firstErr.Load().(string); ok {
		out[0].FirstError = e
	}
	return out, nil // an operation whose calls failed is reported as failed (markFailed)
}

// tagsOf lists the tags seen, sorted.
func tagsOf(lats []map[string][]time.Duration) []string {
	var tags []string
	for _, l := range lats {
		for t := range l {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	slices.Sort(tags)
	return tags
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
