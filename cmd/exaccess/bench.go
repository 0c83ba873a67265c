package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// benchConfig is what `exaccess bench` measures and how.
type benchConfig struct {
	Target      string        `json:"target,omitempty"` // "" starts a server in-process
	DB          string        `json:"db,omitempty"`
	Requests    int           `json:"requests"`
	Clients     int           `json:"clients"`
	Duration    time.Duration `json:"-"`
	Seconds     float64       `json:"seconds_per_operation"`
	Ops         []string      `json:"operations"`
	Area        string        `json:"area"`
	SeedArea    string        `json:"seed_area"`
	CompareArea string        `json:"compare_area,omitempty"`
	BulkSeed    bool          `json:"bulk_seed"`
	NoRaw       bool          `json:"no_raw"`
	NoSameRows  bool          `json:"no_same_rows"`
	JSON        bool          `json:"-"`
	Profile     string        `json:"-"` // CPU profile of the measured operations`
	Workspace   string        `json:"-"`
	app         *app          // the in-process server's, for --bulk-seed
}

var benchOps = []string{"create", "submit", "decide", "queue", "list", "export"}

const benchUsage = `usage: exaccess bench [flags]

Starts the server in-process on a temporary SQLite database (or drives
--target URL, a server with the demo users), seeds requests in review on
the same training area, then runs each operation with --clients clients for
--duration, and the raw-SQLite baseline (one transaction per row, same
settings) for the same time. In-process, each write operation also gets a
same-rows baseline: raw SQLite replays exactly the rows the server wrote
during it, one transaction per change, and the replay is checked against
the server's rows. Prints throughput, p50/p95/p99 and peak RSS.

An operation more than 1 % of whose calls failed is marked failed, with no
ratio, and a line gives its failures and first error; if every operation
failed, the bench exits non-zero. A --target must run with its rate limits
off: exaccess serve --demo --rate-user off --rate-address off --rate-cycles off.
`

func benchFlags(cfg *benchConfig, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	fs.StringVar(&cfg.Target, "target", "", "URL of a running server with the demo users; empty starts one in-process")
	fs.StringVar(&cfg.DB, "db", "", "in-process: SQLite file to use (default: a new temporary file, removed afterwards)")
	fs.IntVar(&cfg.Requests, "requests", 10_000, "requests to seed, all in review, booking --seed-area")
	fs.IntVar(&cfg.Clients, "clients", 16, "concurrent clients")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "how long each operation runs")
	ops := fs.String("ops", strings.Join(benchOps, ","), "operations to run, in this order")
	fs.StringVar(&cfg.Area, "area", "ravlunda", "training area the measured requests book")
	fs.StringVar(&cfg.SeedArea, "seed-area", "", "training area the seeded requests book (default: --area)")
	fs.StringVar(&cfg.CompareArea, "compare-area", "", "also create and submit every other request on this area, reported apart (submit@AREA): the same run's submit rate without the seeded bookings")
	fs.BoolVar(&cfg.BulkSeed, "bulk-seed", false, "in-process: store seeded requests as copies of one real submission, 5,000 per transaction, without audit entries (for 1,000,000)")
	fs.BoolVar(&cfg.NoRaw, "no-raw", false, "skip the raw-SQLite baselines (fixed rows and same rows)")
	fs.BoolVar(&cfg.NoSameRows, "no-same-rows", false, "in-process: skip the same-rows baseline (it copies the database before and after each write operation)")
	fs.BoolVar(&cfg.JSON, "json", false, "print the result as JSON")
	fs.StringVar(&cfg.Profile, "cpuprofile", "", "write a CPU profile of the measured operations (not the seeding, not the raw baseline) to this file")
	_ = ops
	return fs
}

// parseBench reads the flags and checks them; every error is one line.
func parseBench(args []string, stderr io.Writer) (benchConfig, error) {
	var cfg benchConfig
	fs := benchFlags(&cfg, stderr)
	if err := parseQuiet(fs, args); err != nil {
		return cfg, err
	}
	if err := noLeftover(fs, args); err != nil {
		return cfg, err
	}
	cfg.Ops = strings.Split(fs.Lookup("ops").Value.String(), ",")
	if cfg.SeedArea == "" {
		cfg.SeedArea = cfg.Area
	}
	cfg.Seconds = cfg.Duration.Seconds()
	if err := cfg.validate(); err != nil {
		return cfg, &flagError{err.Error() + "; see 'exaccess bench -h'"}
	}
	return cfg, nil
}

func (c benchConfig) validate() error {
	for _, op := range c.Ops {
		if !slices.Contains(benchOps, op) {
			return fmt.Errorf("bench: --ops: unknown operation %q (one of %s)", op, strings.Join(benchOps, ", "))
		}
	}
	switch {
	case c.Requests < 0:
		return fmt.Errorf("bench: --requests must not be negative")
	case c.Clients < 1 || c.Clients > 1024:
		return fmt.Errorf("bench: --clients must be between 1 and 1024")
	case c.Duration < 100*time.Millisecond:
		return fmt.Errorf("bench: --duration must be at least 100ms")
	case c.Target != "" && (c.DB != "" || c.BulkSeed):
		return fmt.Errorf("bench: --db and --bulk-seed only apply in-process, not with --target")
	}
	if c.Target != "" {
		u, err := url.Parse(c.Target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("bench: --target %q is not an http(s) URL", c.Target)
		}
	}
	return nil
}

// runBench is `exaccess bench`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseBench(args, stderr)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "exaccess-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg.Workspace = dir
	res := &benchResult{Config: cfg}
	base := strings.TrimRight(cfg.Target, "/")
	if cfg.Target == "" {
		stop, addr, cold, err := startBenchServer(ctx, &cfg, stderr)
		if err != nil {
			return fmt.Errorf("bench: start the server: %w", err)
		}
		defer stop()
		base, res.ColdStartMS = "http://"+addr, ms(cold)
	}
	b, err := newBenchClient(ctx, base, cfg.Clients)
	if err != nil {
		return err
	}
	b.compareArea = cfg.CompareArea
	p := &progress{w: stderr}
	if err := b.seed(ctx, cfg, p); err != nil {
		return fmt.Errorf("bench: seed: %w", err)
	}
	// The raw baseline runs before and after the operations, and the ratios
	// use the mean of the two: on a shared machine the load changes during
	// a run, and one measurement at one end would flatter or blame the
	// operations.
	var before *opResult
	if !cfg.NoRaw {
		if before, err = runRaw(ctx, cfg, p, "raw-before"); err != nil {
			return fmt.Errorf("bench: raw baseline: %w", err)
		}
	}
	phases, err := runOps(ctx, b, cfg, res, p)
	if err != nil {
		return err
	}
	// Nothing to report and nothing to compare: stop before the baselines
	// that would take their time for no figure.
	res.markFailed()
	if err := res.everyOpFailed(); err != nil {
		return err
	}
	if res.SameRowsNote = sameRowsOff(cfg); res.SameRowsNote == "" {
		if err := runSameRows(ctx, cfg, phases, res, p); err != nil {
			return err
		}
	}
	if !cfg.NoRaw {
		after, err := runRaw(ctx, cfg, p, "raw-after")
		if err != nil {
			return fmt.Errorf("bench: raw baseline: %w", err)
		}
		res.RawRuns = []opResult{*before, *after}
		res.Raw = meanRaw(*before, *after)
	}
	res.finish()
	if cfg.JSON {
		return res.writeJSON(stdout)
	}
	res.writeTable(stdout)
	return nil
}

// startBenchServer opens a server on a temporary (or given) SQLite
// database with the demo users and no rate limits, listening on a free
// loopback port. cold is the time from opening the database to listening.
func startBenchServer(ctx context.Context, cfg *benchConfig, stderr io.Writer) (stop func(), addr string, cold time.Duration, err error) {
	sc := defaultConfig()
	sc.DB = cfg.DB
	if sc.DB == "" {
		sc.DB = filepath.Join(cfg.Workspace, "bench.db")
	}
	sc.Security.RateUser, sc.Security.RateAddress, sc.Security.RateSignIn, sc.Security.RateCycles = "off", "off", "off", "off"
	tuneGC(os.Getenv) // as serve does: the in-process server is measured as it runs
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	start := time.Now()
	a, err := openApp(ctx, sc, log)
	if err != nil {
		return nil, "", 0, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.db.Close()
		return nil, "", 0, err
	}
	cold = time.Since(start)
	if err := seedDemo(ctx, a, ln.Addr().String(), io.Discard); err != nil {
		ln.Close()
		a.db.Close()
		return nil, "", 0, err
	}
	cfg.app = a
	srv := &http.Server{Handler: a.api.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintf(stderr, "bench: server on %s (database %s), cold start %.0f ms\n", ln.Addr(), sc.DB, ms(cold))
	return func() {
		srv.Close()
		a.db.Close()
	}, ln.Addr().String(), cold, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
