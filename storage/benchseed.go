package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// SeedForBench stores copies of requests for `exaccess bench --bulk-seed`:
// each through the same CreateRequest as the services (request row,
// bookings, stage projection, day loads), 5,000 to a transaction, but with
// no audit entries. It exists so that a benchmark can hold a million
// requests without a million round trips; it is never used by the server.
func (d *DB) SeedForBench(ctx context.Context, rs []*domain.Request) error {
	const perTx = 5_000
	for start := 0; start < len(rs); start += perTx {
		end := min(start+perTx, len(rs))
		err := d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			t := &tx{g: g}
			for _, r := range rs[start:end] {
				if err := t.CreateRequest(r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// RawBaseline is the raw-SQLite figure every write of `exaccess bench` is
// compared with: one transaction per row, the rows of a submit — update a
// ~1 KB request row and append a ~300 B audit row — with database/sql on
// this package's writer settings (WAL, synchronous=FULL, BEGIN IMMEDIATE,
// one connection), clients callers at once for dur. It creates its own
// database at path and returns each transaction's latency and the time
// taken; count, if not nil, counts the transactions as they commit.
func RawBaseline(ctx context.Context, path string, clients int, dur time.Duration, count *atomic.Int64) ([]time.Duration, time.Duration, error) {
	raw, err := openRaw(ctx, path)
	if err != nil {
		return nil, 0, err
	}
	defer raw.Close()
	const pool = 10_000
	details := `{"exercise_name":"` + strings.Repeat("x", 900) + `"}`
	if err := fillRaw(ctx, raw, pool, details); err != nil {
		return nil, 0, err
	}
	entry := []byte(strings.Repeat("e", 300))
	var idx atomic.Int64
	lats := make([][]time.Duration, clients)
	errs := make(chan error, clients)
	start := time.Now()
	deadline := start.Add(dur)
	for c := range clients {
		go func() {
			for time.Now().Before(deadline) && ctx.Err() == nil {
				i := idx.Add(1)
				t0 := time.Now()
				if err := rawSubmit(raw, fmt.Sprintf("r%09d", i%pool), i, details, entry); err != nil {
					errs <- err
					return
				}
				lats[c] = append(lats[c], time.Since(t0))
				if count != nil {
					count.Add(1)
				}
			}
			errs <- nil
		}()
	}
	for range clients {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lats {
		all = append(all, l...)
	}
	return all, elapsed, err
}

// openRaw creates a migrated database at path and opens it with
// database/sql alone, on the writer's settings.
func openRaw(ctx context.Context, path string) (*sql.DB, error) {
	db, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.Close()
	raw, err := sql.Open("sqlite3", writerDSN(path))
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	return raw, nil
}

func fillRaw(ctx context.Context, raw *sql.DB, n int, details string) error {
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	for i := range n {
		_, err := tx.Exec(`INSERT INTO requests (id, nation, status, version, created_by, created_at, updated_at,
			exercise_name, period_start, period_end, details, conditions, warnings)
			VALUES (?, 'NO', 'draft', 1, 'lo-no', ?, ?, 'x', '2027-03-02', '2027-03-20', ?, '[]', '[]')`,
			fmt.Sprintf("r%09d", i), now, now, details)
		if err != nil {
			return err
		}
	}
	return tx.Commit()
}

func rawSubmit(raw *sql.DB, id string, idx int64, details string, entry []byte) error {
	tx, err := raw.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	if _, err := tx.Exec(`UPDATE requests SET status = 'in_review', version = version + 1, updated_at = ?, details = ?
		WHERE id = ?`, now, details, id); err != nil {
		return err
	}
	if _, err := tx.Exec(`INSERT INTO audit_log (idx, at, actor, action, request_id, request_version, entry)
		VALUES (?, ?, 'lo-no', 'request.submitted', ?, 2, ?)`, idx, now, id, entry); err != nil {
		return err
	}
	return tx.Commit()
}
