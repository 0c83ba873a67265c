package storage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The same-rows baseline of `exaccess bench`: raw SQLite replays the
// changes the server committed (recorder.go) on a copy of the database as
// it was before them, one transaction per change, on RawBaseline's
// settings; CompareTables then checks that the replay wrote what the
// server wrote.

// BenchSnapshot writes a consistent copy of the database to path (as
// Backup does) and returns the index of the last audit entry in the copy,
// -1 if there is none. Changes recorded with a higher index are not in it.
func (d *DB) BenchSnapshot(ctx context.Context, path string) (int64, error) {
	if err := d.Backup(ctx, path); err != nil {
		return 0, err
	}
	db, err := sql.Open("sqlite3", readerDSN(path))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var last int64
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(idx), -1) FROM audit_log").Scan(&last); err != nil {
		return 0, fmt.Errorf("storage: snapshot %s: %w", path, err)
	}
	return last, nil
}

// ReplayResult is what ReplayChanges measured.
type ReplayResult struct {
	Latencies []time.Duration // of the changes committed within the measured time
	Took      time.Duration   // the measured time: until dur, or until the last change if sooner
	Measured  int             // changes committed within the measured time
	// CPU is the CPU time the process used to replay all the changes, the
	// measured ones and the rest (nothing else of the process works
	// meanwhile); CPUKnown is false off Linux.
	CPU      time.Duration
	CPUKnown bool
}

// ReplayChanges runs changes on the SQLite database at path, one
// transaction per change (BEGIN IMMEDIATE, its statements, COMMIT), with
// database/sql on RawBaseline's settings: the writer's connection string
// (WAL, synchronous=FULL, the statement cache), one connection. clients
// callers take the changes in their recorded order, which is also the
// order they commit in. Only the changes committed within dur are
// measured; the rest are replayed after it, unmeasured, so that the copy
// can still be compared with the server's rows. count, if not nil, counts
// the measured transactions as they commit.
func ReplayChanges(ctx context.Context, path string, changes []RecordedChange, clients int, dur time.Duration, count *atomic.Int64) (ReplayResult, error) {
	decoded, err := decodeChanges(changes)
	if err != nil {
		return ReplayResult{}, err
	}
	raw, err := openRawWriter(path)
	if err != nil {
		return ReplayResult{}, err
	}
	defer raw.Close()
	// The transactions run without the bench's context, as the server's
	// shared transactions do: with a context that can end, database/sql
	// and the driver start a goroutine per transaction and per statement to
	// watch it. ctx is checked between changes.
	bg := context.WithoutCancel(ctx)
	var (
		mu    sync.Mutex // held from taking a change until its transaction has begun
		next  int
		first error
		lats  = make([][]time.Duration, clients)
		wg    sync.WaitGroup
	)
	cpu0, cpuKnown := processCPU()
	start := time.Now()
	deadline := start.Add(dur)
	var lastAt atomic.Int64 // nanoseconds after start of the last measured commit
	for c := range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				t0 := time.Now()
				mu.Lock()
				if next >= len(changes) || first != nil {
					mu.Unlock()
					return
				}
				i := next
				next++
				tx, err := raw.BeginTx(bg, nil)
				mu.Unlock()
				if err == nil {
					err = replayOne(bg, tx, decoded[i])
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("storage: replay of change %d (audit entry %d): %w", i, changes[i].AuditIdx, err)
					}
					mu.Unlock()
					return
				}
				if t1 := time.Now(); t1.Before(deadline) {
					lats[c] = append(lats[c], t1.Sub(t0))
					lastAt.Store(int64(t1.Sub(start)))
					if count != nil {
						count.Add(1)
					}
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	var res ReplayResult
	if cpu1, ok := processCPU(); cpuKnown && ok {
		res.CPU, res.CPUKnown = cpu1-cpu0, true
	}
	for _, l := range lats {
		res.Latencies = append(res.Latencies, l...)
	}
	res.Measured = len(res.Latencies)
	res.Took = min(dur, time.Since(start))
	if res.Measured == len(changes) {
		res.Took = time.Duration(lastAt.Load())
	}
	return res, first
}

// replayStatement is a recorded statement with its arguments decoded.
type replayStatement struct {
	sql  string
	args []any
}

// decodeChanges decodes every change's arguments before the replay starts,
// so that the replay's time is the database's and not the decoding's.
func decodeChanges(changes []RecordedChange) ([][]replayStatement, error) {
	out := make([][]replayStatement, len(changes))
	for i, c := range changes {
		out[i] = make([]replayStatement, len(c.Statements))
		for j, s := range c.Statements {
			args, err := s.Args()
			if err != nil {
				return nil, fmt.Errorf("storage: change %d (audit entry %d): %w", i, c.AuditIdx, err)
			}
			out[i][j] = replayStatement{sql: s.SQL, args: args}
		}
	}
	return out, nil
}

func replayOne(ctx context.Context, tx *sql.Tx, stmts []replayStatement) error {
	defer tx.Rollback()
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("%s: %w", firstWords(s.sql), err)
		}
	}
	return tx.Commit()
}

// CompareTables checks that the SQLite databases at a and b hold the same
// rows in tables (nil: every table of b): the same number, and the same
// checksum over every column of every row in primary-key order (all
// columns where there is no primary key). It returns the tables compared;
// the error names the first table that differs.
func CompareTables(ctx context.Context, a, b string, tables []string) ([]string, error) {
	if tables == nil {
		var err error
		if tables, err = tableNames(ctx, b); err != nil {
			return nil, err
		}
	}
	return tables, compareTables(ctx, a, b, tables)
}

// tableNames lists the tables of the SQLite database at path, sorted.
func tableNames(ctx context.Context, path string) ([]string, error) {
	db, err := sql.Open("sqlite3", readerDSN(path))
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("storage: tables of %s: %w", path, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

func compareTables(ctx context.Context, a, b string, tables []string) error {
	var sums [2][]tableSum
	for i, path := range []string{a, b} {
		db, err := sql.Open("sqlite3", readerDSN(path))
		if err != nil {
			return err
		}
		for _, t := range tables {
			s, err := sumTable(ctx, db, t)
			if err != nil {
				db.Close()
				return fmt.Errorf("storage: checksum of %s in %s: %w", t, path, err)
			}
			sums[i] = append(sums[i], s)
		}
		db.Close()
	}
	for i, t := range tables {
		x, y := sums[0][i], sums[1][i]
		if x.rows != y.rows || !bytes.Equal(x.sum, y.sum) {
			return fmt.Errorf("table %s differs: %d rows (checksum %x) against %d rows (checksum %x)",
				t, x.rows, x.sum[:6], y.rows, y.sum[:6])
		}
	}
	return nil
}

type tableSum struct {
	rows int64
	sum  []byte
}

// sumTable hashes table's rows in key order, every value as SQLite stores
// it: its storage class and its SQL literal (typeof, quote), not as the
// driver would convert it — the driver turns TIMESTAMP text into times and
// BOOLEAN into true/false, which would hide two spellings of one instant.
func sumTable(ctx context.Context, db *sql.DB, table string) (tableSum, error) {
	cols, keys, err := tableColumns(ctx, db, table)
	if err != nil {
		return tableSum{}, err
	}
	if len(cols) == 0 {
		return tableSum{}, fmt.Errorf("no such table")
	}
	if len(keys) == 0 {
		keys = cols
	}
	stored := make([]string, len(cols))
	for i, c := range cols {
		stored[i] = "typeof(" + quoteIdent(c) + ") || ':' || quote(" + quoteIdent(c) + ")"
	}
	rows, err := db.QueryContext(ctx, "SELECT "+strings.Join(stored, ", ")+" FROM "+quoteIdent(table)+" ORDER BY "+quoteAll(keys))
	if err != nil {
		return tableSum{}, err
	}
	defer rows.Close()
	h := sha256.New()
	vals := make([]string, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return tableSum{}, err
		}
		for _, v := range vals {
			h.Write([]byte(v))
			h.Write([]byte{0})
		}
		h.Write([]byte{'\n'})
		n++
	}
	if err := rows.Err(); err != nil {
		return tableSum{}, err
	}
	return tableSum{rows: n, sum: h.Sum(nil)}, nil
}

// tableColumns lists table's columns and its primary key's, in key order.
func tableColumns(ctx context.Context, db *sql.DB, table string) (cols, keys []string, err error) {
	rows, err := db.QueryContext(ctx, "SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", table)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	byPos := map[int]string{}
	for rows.Next() {
		var name string
		var pk int
		if err := rows.Scan(&name, &pk); err != nil {
			return nil, nil, err
		}
		cols = append(cols, name)
		if pk > 0 {
			byPos[pk] = name
		}
	}
	for i := 1; i <= len(byPos); i++ {
		keys = append(keys, byPos[i])
	}
	return cols, keys, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteAll(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}
