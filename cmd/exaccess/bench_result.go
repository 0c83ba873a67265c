package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"exaccess/storage"
)

// opResult is one operation's figures; latencies in milliseconds.
type opResult struct {
	Name       string   `json:"operation"`
	Count      int64    `json:"count"`
	Errors     int64    `json:"errors"`
	FirstError string   `json:"first_error,omitempty"`
	Seconds    float64  `json:"seconds"`
	PerSecond  float64  `json:"per_second"`
	P50        float64  `json:"p50_ms"`
	P95        float64  `json:"p95_ms"`
	P99        float64  `json:"p99_ms"`
	Ratio      *float64 `json:"ratio_to_raw,omitempty"` // writes only
	// SameRowsRatio is a write's rate over its same-rows baseline's.
	SameRowsRatio *float64 `json:"ratio_to_same_rows,omitempty"`
	// A same-rows baseline's changes and statements replayed (all of them;
	// Count is those within the measured time), the tables they write, how
	// many tables (all of the database's) were compared with the server's,
	// and whether they all matched.
	Changes    int64    `json:"changes,omitempty"`
	Statements int64    `json:"statements,omitempty"`
	Tables     []string `json:"tables_written,omitempty"`
	Compared   int      `json:"tables_compared,omitempty"`
	Verified   bool     `json:"verified,omitempty"`
	// CPUMSPerChange is the CPU time the process used for the same-rows
	// replay, per change: what SQLite and the driver spend on the writes
	// alone, to set beside the writer's CPU time a call.
	CPUMSPerChange *float64 `json:"cpu_ms_per_change,omitempty"`
	// Writer is what the one SQLite writer (the committer) did during a
	// write operation, in-process only.
	Writer *writerResult `json:"writer,omitempty"`
	// Failed: more than maxErrorShare of the calls failed, or none
	// succeeded. A failed operation has no ratios; FailedNote says why.
	Failed     bool   `json:"failed,omitempty"`
	FailedNote string `json:"failed_note,omitempty"`
}

// benchResult is the whole run.
type benchResult struct {
	Config       benchConfig `json:"settings"`
	ColdStartMS  float64     `json:"cold_start_ms,omitempty"` // in-process only
	PeakRSSBytes int64       `json:"peak_rss_bytes"`
	Raw          *opResult   `json:"raw_sqlite,omitempty"` // the mean of RawRuns
	RawRuns      []opResult  `json:"raw_sqlite_runs,omitempty"`
	Ops          []opResult  `json:"operations"`
	// SameRows are the same-rows baselines, one per write operation
	// ("raw same rows: submit"); SameRowsNote says why there are none.
	SameRows     []opResult `json:"raw_same_rows,omitempty"`
	SameRowsNote string     `json:"raw_same_rows_note,omitempty"`
}

func summarize(name string, lats [][]time.Duration, took time.Duration) opResult {
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	slices.Sort(all)
	r := opResult{Name: name, Count: int64(len(all)), Seconds: took.Seconds()}
	if len(all) == 0 {
		return r
	}
	pct := func(p int) float64 { return ms(all[min(len(all)-1, len(all)*p/100)]) }
	r.PerSecond = float64(len(all)) / took.Seconds()
	r.P50, r.P95, r.P99 = pct(50), pct(95), pct(99)
	return r
}

var writeOps = map[string]bool{"create": true, "submit": true, "decide": true}

// maxErrorShare is the share of an operation's calls that may fail before
// its figures are no longer a measure of the operation. A healthy run has
// no errors at all (TestBenchInProcess); a few failed calls out of a
// hundred move the rate by about as much, less than two runs on a shared
// machine differ. Beyond that the rate measures the failures — a 429
// answers in microseconds, a timeout takes minutes — and a ratio from it
// (observed: 26 calls, 7,510 errors, "0.01×") would only mislead.
const maxErrorShare = 0.01

// markFailed marks every operation too many of whose calls failed; a row
// of --compare-area (submit@kilen) fails with its operation, whose row
// holds the errors.
func (r *benchResult) markFailed() {
	failed := map[string]bool{}
	for i := range r.Ops {
		o := &r.Ops[i]
		op, _, tagged := strings.Cut(o.Name, "@")
		calls := o.Count + o.Errors
		switch {
		case tagged:
			if failed[op] {
				o.Failed, o.FailedNote = true, "its operation "+op+" failed"
			}
		case calls == 0:
			o.Failed, o.FailedNote = true, "no call was made: nothing was left to work on"
		case float64(o.Errors) > maxErrorShare*float64(calls):
			o.Failed, o.FailedNote = true, fmt.Sprintf("%d of %d calls failed, more than %.0f %%: its figures measure the failures, so it has no ratio", o.Errors, calls, 100*maxErrorShare)
		}
		failed[o.Name] = o.Failed
	}
}

// everyOpFailed is the one line of a run none of whose operations can be
// reported, nil if one can.
func (r *benchResult) everyOpFailed() error {
	var parts []string
	first := ""
	for _, o := range r.Ops {
		if strings.Contains(o.Name, "@") {
			continue
		}
		if !o.Failed {
			return nil
		}
		parts = append(parts, fmt.Sprintf("%s %d of %d calls", o.Name, o.Errors, o.Count+o.Errors))
		if first == "" {
			first = o.FirstError
		}
	}
	if len(parts) == 0 {
		return nil
	}
	if first == "" {
		first = "none: nothing was left to work on"
	}
	return fmt.Errorf("bench: every operation failed (%s failed); first error: %s", strings.Join(parts, ", "), first)
}

// finish marks the failed operations and adds the ratios of the others
// and the peak RSS.
func (r *benchResult) finish() {
	r.PeakRSSBytes = peakRSS()
	r.markFailed()
	for i := range r.Ops {
		o := &r.Ops[i]
		if !writeOps[o.Name] || o.Failed {
			continue
		}
		if r.Raw != nil && r.Raw.PerSecond > 0 {
			x := o.PerSecond / r.Raw.PerSecond
			o.Ratio = &x
		}
		for _, s := range r.SameRows {
			if s.Name == "raw same rows: "+o.Name && s.PerSecond > 0 {
				x := o.PerSecond / s.PerSecond
				o.SameRowsRatio = &x
			}
		}
	}
}

// writerResult is the committer's share of an operation: its calls and
// shared transactions, the part of the operation's time it was running
// one, and per call its busy time and, on Linux, its thread's CPU time.
// The CPU time a call is the figure that moves least with the disk and the
// machine's other load: what one change costs the one writer.
type writerResult struct {
	Calls        int64    `json:"calls"`
	Transactions int64    `json:"transactions"`
	BusyShare    float64  `json:"busy_share"`
	BusyMS       float64  `json:"busy_ms_per_call"`
	CPUMS        *float64 `json:"cpu_ms_per_call,omitempty"`
}

// newWriterResult is the committer's work d over an operation of took.
func newWriterResult(d storage.WriterStats, took time.Duration) *writerResult {
	if d.Calls == 0 {
		return nil
	}
	w := &writerResult{Calls: d.Calls, Transactions: d.Batches, BusyShare: d.Busy.Seconds() / took.Seconds(),
		BusyMS: ms(d.Busy) / float64(d.Calls)}
	if d.HasCPU {
		x := ms(d.CPU) / float64(d.Calls)
		w.CPUMS = &x
	}
	return w
}

// writeWriter gives each operation the committer worked for one line.
func (r *benchResult) writeWriter(w io.Writer) {
	for _, o := range r.Ops {
		if o.Writer == nil {
			continue
		}
		wr := o.Writer
		cpu := ""
		if wr.CPUMS != nil {
			cpu = fmt.Sprintf(", %.3f ms of its thread's CPU", *wr.CPUMS)
		}
		for _, s := range r.SameRows {
			if s.Name == "raw same rows: "+o.Name && s.CPUMSPerChange != nil {
				cpu += fmt.Sprintf(" (the same-rows replay: %.3f ms of CPU a change)", *s.CPUMSPerChange)
			}
		}
		fmt.Fprintf(w, "writer: %s: %.1f calls a shared transaction, busy %.0f %% of the time; a call %.3f ms busy%s\n",
			o.Name, float64(wr.Calls)/float64(max(wr.Transactions, 1)), 100*wr.BusyShare, wr.BusyMS, cpu)
	}
}

// peakRSS is this process's peak resident set (VmHWM), 0 where unknown. In
// process it covers the server, the clients and the raw baseline together.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := bytes.CutPrefix(s.Bytes(), []byte("VmHWM:")); ok {
			kb, _ := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(v, []byte("kB")))), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func (r *benchResult) writeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func (r *benchResult) writeTable(w io.Writer) {
	c := r.Config
	where := "in-process, temporary SQLite database"
	switch {
	case c.Target != "":
		where = c.Target
	case c.DB != "":
		where = "in-process, SQLite database " + c.DB
	}
	fmt.Fprintf(w, "exaccess bench: %s; %d clients, %s per operation; %d seeded requests in review on %s; measured requests book %s\n",
		where, c.Clients, c.Duration, c.Requests, c.SeedArea, c.Area)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tcalls\terrors\tper s\tp50 ms\tp95 ms\tp99 ms\tvs raw\tvs same rows\t")
	rows := append(append(append([]opResult(nil), r.RawRuns...), r.Ops...), r.SameRows...)
	if r.Raw != nil {
		rows = append([]opResult{*r.Raw}, rows...)
	}
	for _, o := range rows {
		name, ratio, same := o.Name, "", ""
		if o.Failed {
			name, ratio, same = o.Name+" (failed)", "—", "—"
		}
		if o.Ratio != nil {
			ratio = fmt.Sprintf("%.2f×", *o.Ratio)
		}
		if o.SameRowsRatio != nil {
			same = fmt.Sprintf("%.2f×", *o.SameRowsRatio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%s\t%s\t\n", name, o.Count, o.Errors, o.PerSecond, o.P50, o.P95, o.P99, ratio, same)
	}
	tw.Flush()
	r.writeSameRows(w)
	r.writeWriter(w)
	r.writeErrors(w)
	if r.ColdStartMS > 0 {
		fmt.Fprintf(w, "cold start (open, migrate an empty database, keys, policy, listen): %.0f ms\n", r.ColdStartMS)
	}
	held := ""
	if len(r.SameRows) > 0 {
		held = " (including the same-rows recording; --no-same-rows for the server and clients alone)"
	}
	fmt.Fprintf(w, "peak RSS of this process: %.0f MB%s\n", float64(r.PeakRSSBytes)/(1<<20), held)
}

// writeErrors gives each operation with errors, or failed, one line: how
// many of its calls failed and the first error.
func (r *benchResult) writeErrors(w io.Writer) {
	for _, o := range r.Ops {
		first := ""
		if o.FirstError != "" {
			first = "; first error: " + o.FirstError
		}
		switch {
		case o.Failed && !strings.Contains(o.Name, "@"):
			fmt.Fprintf(w, "%s: FAILED: %s%s\n", o.Name, o.FailedNote, first)
		case o.Errors > 0:
			fmt.Fprintf(w, "%s: %d of %d calls failed%s\n", o.Name, o.Errors, o.Count+o.Errors, first)
		}
	}
}

// writeSameRows says what each same-rows baseline replayed and that the
// replay matched the server's rows, or why there is none.
func (r *benchResult) writeSameRows(w io.Writer) {
	if r.SameRowsNote != "" {
		fmt.Fprintf(w, "raw same rows: %s\n", r.SameRowsNote)
		return
	}
	var names []string
	for _, s := range r.SameRows {
		within := ""
		if s.Count < s.Changes {
			within = fmt.Sprintf("; %d of them within %s measured, the rest replayed for the check", s.Count, r.Config.Duration)
		}
		fmt.Fprintf(w, "%s: %d changes, %d statements (%.1f a change), one transaction each, in commit order%s\n",
			s.Name, s.Changes, s.Statements, float64(s.Statements)/float64(max(s.Changes, 1)), within)
		if s.Verified {
			names = append(names, fmt.Sprintf("%s (%d tables; written: %s)",
				strings.TrimPrefix(s.Name, "raw same rows: "), s.Compared, strings.Join(s.Tables, ", ")))
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(w, "same rows: verified: every table of the replayed copy matches the server's (row count, checksum) after %s\n", strings.Join(names, "; "))
	}
}
