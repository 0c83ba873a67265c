package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"exaccess/storage"
)

// The same-rows baseline: for each write operation, raw SQLite replays
// exactly the rows the in-process server wrote during it, one transaction
// per change, and the replayed copy is compared with the server's rows.
//
// Around the operation the server's database is copied (before and after)
// while its committer records every committed change (storage.WriteRecorder).
// The changes between the two copies are those whose audit entry is in the
// second copy and not in the first: a copy holds whole commits, so this
// needs no pause of the server.

// sameRowsPhase is one write operation's recording.
type sameRowsPhase struct {
	name          string
	before, after string // the copies of the server's database
	first, last   int64  // the last audit entry in each copy
	rec           *storage.WriteRecorder
	changes       []storage.RecordedChange
}

// sameRowsOff says why the same-rows baseline is not measured, "" if it is.
func sameRowsOff(cfg benchConfig) string {
	switch {
	case cfg.Target != "":
		return "not measured with --target: it replays the writes the in-process server records"
	case cfg.NoRaw:
		return "skipped (--no-raw)"
	case cfg.NoSameRows:
		return "skipped (--no-same-rows)"
	}
	return ""
}

// startSameRows starts recording and copies the database as it is before
// the operation name.
func startSameRows(ctx context.Context, cfg benchConfig, name string) (*sameRowsPhase, error) {
	db := cfg.app.db
	ph := &sameRowsPhase{name: name, rec: &storage.WriteRecorder{},
		before: filepath.Join(cfg.Workspace, "same-"+name+"-before.db"),
		after:  filepath.Join(cfg.Workspace, "same-"+name+"-after.db")}
	if err := db.RecordWrites(ph.rec); err != nil {
		return nil, fmt.Errorf("bench: same rows: %w", err)
	}
	first, err := db.BenchSnapshot(ctx, ph.before)
	if err != nil {
		db.RecordWrites(nil) //nolint:errcheck // SQLite: it was set above
		return nil, fmt.Errorf("bench: same rows: copy before %s: %w", name, err)
	}
	ph.first = first
	return ph, nil
}

// stop copies the database as it is after the operation, stops recording
// and keeps the changes between the two copies. Every change writes one
// audit entry: any other count means the recording missed a change.
func (ph *sameRowsPhase) stop(ctx context.Context, cfg benchConfig) error {
	db := cfg.app.db
	last, err := db.BenchSnapshot(ctx, ph.after)
	db.RecordWrites(nil) //nolint:errcheck // SQLite: it was set in startSameRows
	if err != nil {
		return fmt.Errorf("bench: same rows: copy after %s: %w", ph.name, err)
	}
	ph.last = last
	if err := ph.rec.Err(); err != nil {
		return fmt.Errorf("bench: same rows: %s: %w", ph.name, err)
	}
	for _, c := range ph.rec.Changes() {
		if c.AuditIdx > ph.first && c.AuditIdx <= last {
			ph.changes = append(ph.changes, c)
		}
	}
	ph.rec = nil
	if int64(len(ph.changes)) != last-ph.first {
		return fmt.Errorf("bench: same rows: %s: %d changes recorded for %d audit entries", ph.name, len(ph.changes), last-ph.first)
	}
	return nil
}

// replay measures the phase's changes on raw SQLite, on the copy before
// them, then checks the replayed copy against the copy after them.
func (ph *sameRowsPhase) replay(ctx context.Context, cfg benchConfig, p *progress) (opResult, error) {
	defer os.Remove(ph.before)
	defer os.Remove(ph.after)
	var count atomic.Int64
	name := "raw same rows: " + ph.name
	stop := p.watch("same-"+ph.name, &count, fmt.Sprintf("of %d changes", len(ph.changes)))
	res, err := storage.ReplayChanges(ctx, ph.before, ph.changes, cfg.Clients, cfg.Duration, &count)
	stop()
	if err != nil {
		return opResult{}, fmt.Errorf("bench: same rows: %s: %v", ph.name, err)
	}
	r := summarize(name, [][]time.Duration{res.Latencies}, res.Took)
	r.Changes = int64(len(ph.changes))
	for _, c := range ph.changes {
		r.Statements += int64(len(c.Statements))
	}
	if res.CPUKnown && len(ph.changes) > 0 {
		x := ms(res.CPU) / float64(len(ph.changes))
		r.CPUMSPerChange = &x
	}
	r.Tables = storage.TablesWritten(ph.changes)
	// Every table, not only those written: a write the recording missed
	// would show in a table no recorded statement names.
	compared, err := storage.CompareTables(ctx, ph.before, ph.after, nil)
	if err != nil {
		return opResult{}, fmt.Errorf("bench: same rows: %s: replayed rows do not match the server's: %v", ph.name, err)
	}
	r.Compared = len(compared)
	r.Verified = true
	return r, nil
}

// runSameRows replays every recorded phase, in order, but those of
// operations marked failed.
func runSameRows(ctx context.Context, cfg benchConfig, phases []*sameRowsPhase, res *benchResult, p *progress) error {
	failed := map[string]bool{}
	for _, o := range res.Ops {
		failed[o.Name] = o.Failed
	}
	for _, ph := range phases {
		if failed[ph.name] {
			continue // no ratio to give it: its replay would only cost time
		}
		r, err := ph.replay(ctx, cfg, p)
		if err != nil {
			return err
		}
		res.SameRows = append(res.SameRows, r)
	}
	return nil
}
