package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
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
		{[]string{"--nope"}, "bench: unknown flag --nope; see 'exaccess bench -h'"},
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
		// Every successful write was one call of the committer, in at
		// most as many shared transactions. (An export is audited, so it
		// is a call too; the pages are none.)
		w := o.Writer
		if o.Name == "queue" || o.Name == "list" {
			if w != nil {
				t.Errorf("%s: the writer worked for a page: %+v", o.Name, *w)
			}
			continue
		}
		if w == nil || w.Calls < o.Count || w.Transactions < 1 || w.Transactions > w.Calls ||
			w.BusyShare <= 0 || w.BusyShare > 1.05 || w.BusyMS <= 0 || (runtime.GOOS == "linux") != (w.CPUMS != nil) ||
			(w.CPUMS != nil && (*w.CPUMS <= 0 || *w.CPUMS > w.BusyMS)) {
			t.Errorf("%s (%d calls): writer %+v", o.Name, o.Count, w)
		}
	}
	if len(res.SameRows) != len(writeOps) || res.SameRowsNote != "" {
		t.Fatalf("same rows: %+v (%q), want one per write operation", res.SameRows, res.SameRowsNote)
	}
	for _, s := range res.SameRows {
		if !s.Verified || s.Count == 0 || s.Changes < s.Count || s.Statements < 3*s.Changes || len(s.Tables) < 4 || s.Compared < 20 ||
			(runtime.GOOS == "linux") != (s.CPUMSPerChange != nil) || (s.CPUMSPerChange != nil && *s.CPUMSPerChange <= 0) {
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
		"\nsame rows: verified: ", "; written: audit_hashes, audit_log,", "\nwriter: submit: "} {
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

// TestBenchFailedOperation: an operation more than 1 % of whose calls
// failed has no ratio, in the table or in JSON, its row is marked and one
// line names it, its failures and its first error; a healthy one keeps its
// ratio, and so does one at exactly 1 %.
func TestBenchFailedOperation(t *testing.T) {
	t.Parallel()
	first := "create answered 429: too many requests"
	res := &benchResult{Config: benchConfig{Target: "http://x", Clients: 16}, SameRowsNote: "not measured with --target",
		Raw: &opResult{Name: "raw-sqlite (mean)", Count: 20_000, PerSecond: 1000},
		Ops: []opResult{
			{Name: "create", Count: 26, Errors: 7510, FirstError: first, PerSecond: 2.6},
			{Name: "submit", Count: 5000, PerSecond: 500},
			{Name: "decide", Count: 99, Errors: 1, FirstError: "decide answered 409: stale", PerSecond: 10},
		}}
	res.finish()
	var table bytes.Buffer
	res.writeTable(&table)
	text := table.String()
	lines := map[string]string{}
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			lines[f[0]] = line
		}
	}
	if l := lines["create"]; !strings.Contains(l, "failed") || strings.Contains(l, "×") {
		t.Errorf("create's row is not marked failed or has a ratio: %q\n%s", l, text)
	}
	if l := lines["submit"]; !strings.HasSuffix(strings.TrimSpace(l), "0.50×") || strings.Contains(l, "failed") {
		t.Errorf("submit's row lost its ratio: %q\n%s", l, text)
	}
	if l := lines["decide"]; !strings.HasSuffix(strings.TrimSpace(l), "0.01×") {
		t.Errorf("decide, 1 of 100 calls failed, lost its ratio: %q\n%s", l, text)
	}
	if !strings.Contains(text, "\ncreate: FAILED: 7510 of 7536 calls failed") || !strings.Contains(text, "; first error: "+first+"\n") {
		t.Errorf("no line naming create's failures and first error:\n%s", text)
	}
	if !strings.Contains(text, "\ndecide: 1 of 100 calls failed; first error: decide answered 409: stale\n") {
		t.Errorf("no line naming decide's failure:\n%s", text)
	}

	var js bytes.Buffer
	if err := res.writeJSON(&js); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Ops []map[string]any `json:"operations"`
	}
	if err := json.Unmarshal(js.Bytes(), &got); err != nil || len(got.Ops) != 3 {
		t.Fatalf("%v: %s", err, js.String())
	}
	c, s := got.Ops[0], got.Ops[1]
	if _, ok := c["ratio_to_raw"]; ok || c["failed"] != true || !strings.Contains(fmt.Sprint(c["failed_note"]), "7510 of 7536 calls failed") {
		t.Errorf("create in JSON: %v", c)
	}
	if s["ratio_to_raw"] != 0.5 || s["failed"] != nil {
		t.Errorf("submit in JSON: %v", s)
	}
}

// TestBenchTargetRateLimited drives --target against a server that signs
// in and then answers 429 to every create: the create row fails and says
// how to switch the target's limits off, the queue row is measured; when
// every operation fails the bench exits with one line saying so.
func TestBenchTargetRateLimited(t *testing.T) {
	t.Parallel()
	var limitSignIn atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/api/v1/auth/token" && !limitSignIn.Load():
			fmt.Fprint(w, `{"access_token":"t"}`)
		case r.URL.Path == "/api/v1/queue":
			fmt.Fprint(w, `{"items":[]}`)
		default:
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"code":"rate_limited","message":"too many requests; retry after 1 seconds"}`)
		}
	}))
	defer srv.Close()
	bench := func(ops string) (string, error) {
		var out, errOut bytes.Buffer
		args := []string{"bench", "--target", srv.URL, "--no-raw", "--requests", "0", "--clients", "1", "--duration", "100ms", "--ops", ops}
		err := run(context.Background(), args, func(string) string { return "" }, nil, &out, &errOut)
		return out.String(), err
	}
	const hint = "the target rate-limits: start it with its rate limits off, e.g. exaccess serve --demo --rate-user off --rate-address off --rate-cycles off"

	text, err := bench("create,queue")
	if err != nil {
		t.Errorf("create failing, queue measured: %v", err)
	}
	if !strings.Contains(text, "\ncreate: FAILED: ") || !strings.Contains(text, "create answered 429: ") || !strings.Contains(text, hint) {
		t.Errorf("no line saying create failed on the target's rate limits:\n%s", text)
	}

	_, err = bench("create")
	if err == nil || !strings.Contains(err.Error(), "every operation failed") || !strings.Contains(err.Error(), hint) ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("every operation failing: %v, want one line saying so and how to switch the limits off", err)
	}

	limitSignIn.Store(true)
	_, err = bench("queue")
	if err == nil || !strings.Contains(err.Error(), "signing in as lo-no answered 429") || !strings.Contains(err.Error(), hint) {
		t.Errorf("sign-in refused: %v, want the rate limits named", err)
	}
}

// An operation marked failed gets no same-rows replay: it would give no
// ratio, and a replay of its few changes could only cost time or fail the
// whole report. (The phase here has no database copies and no changes.)
func TestSameRowsSkipsFailedOperations(t *testing.T) {
	res := &benchResult{Ops: []opResult{{Name: "create", Failed: true}}}
	phases := []*sameRowsPhase{{name: "create", before: filepath.Join(t.TempDir(), "missing.db")}}
	if err := runSameRows(context.Background(), benchConfig{}, phases, res, nil); err != nil {
		t.Fatalf("replaying a failed operation: %v", err)
	}
	if len(res.SameRows) != 0 {
		t.Fatalf("same rows of a failed operation: %+v", res.SameRows)
	}
	res.Ops[0].Failed = false
	if err := runSameRows(context.Background(), benchConfig{}, phases, res, nil); err == nil && len(res.SameRows) == 0 {
		t.Fatal("the same phase of an operation not failed was not replayed")
	}
}
