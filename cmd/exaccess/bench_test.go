package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchBadInputs: each mistake is one line naming what is wrong.
func TestBenchBadInputs(t *testing.T) {
	t.Parallel()
	// A real server without the demo users.
	cfg := defaultConfig()
	cfg.DB = filepath.Join(t.TempDir(), "nodemo.db")
	a, err := openApp(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.db.Close()
	srv := httptest.NewServer(a.api.Handler())
	defer srv.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--nope"}, "flag provided but not defined: -nope"},
		{[]string{"--clients", "0"}, "--clients must be between 1 and 1024"},
		{[]string{"--ops", "create,fly"}, `unknown operation "fly"`},
		{[]string{"--target", "ftp://example.org"}, "is not an http(s) URL"},
		{[]string{"--target", "http://127.0.0.1:1", "--no-raw"}, "cannot reach http://127.0.0.1:1"},
		{[]string{"--target", srv.URL, "--no-raw"}, "has no demo users: signing in as lo-no answered 401"},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), append([]string{"bench"}, c.args...), func(string) string { return "" }, nil, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("bench %v: error %v, want one line containing %q", c.args, err, c.want)
		}
	}
}

// TestBenchInProcess runs a tiny bench and checks that every operation was
// measured and every write has its ratio to the raw baseline.
func TestBenchInProcess(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	args := []string{"bench", "--requests", "10", "--clients", "2", "--duration", "300ms", "--json"}
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	var res benchResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if res.Raw == nil || res.Raw.Count == 0 || res.ColdStartMS <= 0 || res.PeakRSSBytes <= 0 {
		t.Errorf("raw %+v, cold start %v, peak RSS %v", res.Raw, res.ColdStartMS, res.PeakRSSBytes)
	}
	if len(res.Ops) != len(benchOps) {
		t.Fatalf("%d operations measured, want %d", len(res.Ops), len(benchOps))
	}
	for _, o := range res.Ops {
		if o.Count == 0 || o.Errors != 0 || o.P99 < o.P50 || (writeOps[o.Name] != (o.Ratio != nil)) ||
			(writeOps[o.Name] != (o.SameRowsRatio != nil)) {
			t.Errorf("%s: %+v", o.Name, o)
		}
	}
	if len(res.SameRows) != len(writeOps) || res.SameRowsNote != "" {
		t.Fatalf("same rows: %+v (%q), want one per write operation", res.SameRows, res.SameRowsNote)
	}
	for _, s := range res.SameRows {
		if !s.Verified || s.Count == 0 || s.Changes < s.Count || s.Statements < 3*s.Changes || len(s.Tables) < 4 || s.Compared < 20 {
			t.Errorf("%s: %+v", s.Name, s)
		}
	}
}

// TestBenchSameRowsTable: the table has a same-rows baseline per write
// operation, its ratio on the operation's row, and the line saying the
// replay matched the server's rows; with --target it says why there is none.
func TestBenchSameRowsTable(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	args := []string{"bench", "--requests", "5", "--clients", "2", "--duration", "200ms", "--ops", "create,submit,decide"}
	if err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errOut); err != nil {
		t.Fatalf("%v\n%s", err, errOut.String())
	}
	text := out.String()
	for _, want := range []string{"vs same rows", "raw same rows: create", "raw same rows: submit", "raw same rows: decide",
		"\nsame rows: verified: ", "; written: audit_hashes, audit_log,"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 && writeOps[f[0]] && !strings.HasSuffix(line, "×") {
			t.Errorf("%s has no ratio to its same-rows baseline", line)
		}
	}
	var remote bytes.Buffer
	(&benchResult{Config: benchConfig{Target: "http://x"}, SameRowsNote: sameRowsOff(benchConfig{Target: "http://x"})}).writeTable(&remote)
	if !strings.Contains(remote.String(), "raw same rows: not measured with --target") {
		t.Errorf("with --target:\n%s", remote.String())
	}
}
