package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// CloneForBench stores n copies of the stored request template for
// `exaccess bench --bulk-seed`: SQL copies of its row, bookings and stages
// (new ids, references and nations in turn: NO, DE, AT), 50,000 to a
// transaction, and the same bookings added n times to the day loads — but
// no audit entries. It exists so that a benchmark can hold a million
// requests without a million round trips; the server never uses it.
// SQLite only.
func (d *DB) CloneForBench(ctx context.Context, template string, n int, progress *atomic.Int64) error {
	if d.dialect != DialectSQLite {
		return fmt.Errorf("storage: bulk seeding is for SQLite only")
	}
	const perTx = 50_000
	for first := 1; first <= n; first += perTx {
		last := min(first+perTx-1, n)
		err := d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
			for _, q := range cloneSQL {
				if err := g.Exec(q, first, last, template).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("storage: bulk seed: %w", err)
		}
		progress.Store(int64(last))
	}
	return d.writer.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		t := &tx{g: g}
		p, err := t.prior(template)
		if err != nil {
			return err
		}
		delta := shareOf(p.status, p.areas)
		for k, v := range delta {
			delta[k] = [2]int{v[0] * n, v[1] * n}
		}
		return t.applyLoads(delta)
	})
}

// cloneSQL copies the template (the third parameter) as requests first..last
// (the first two). The copies' ids sort before every real UUIDv7 id.
var cloneSQL = []string{
	`WITH RECURSIVE seq (i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
	INSERT INTO requests (id, reference, nation, status, version, created_by, created_at, updated_at, submitted_at,
		due_at, decided_at, exercise_name, period_start, period_end, details, route, conditions, warnings, authors)
	SELECT printf('01800000-%04x-7%03x-8000-%012x', i / 4096, i % 4096, i), printf('SE-2000-BLK-%07d', i),
		CASE i % 3 WHEN 0 THEN 'NO' WHEN 1 THEN 'DE' ELSE 'AT' END, status, version, created_by, created_at,
		updated_at, submitted_at, due_at, decided_at, exercise_name, period_start, period_end, details, route,
		conditions, warnings, authors
	FROM seq, requests t WHERE t.id = ?`,
	`WITH RECURSIVE seq (i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
	INSERT INTO request_areas (request_id, position, area, from_date, to_date, personnel)
	SELECT printf('01800000-%04x-7%03x-8000-%012x', i / 4096, i % 4096, i), position, area, from_date, to_date, personnel
	FROM seq, request_areas a WHERE a.request_id = ?`,
	`WITH RECURSIVE seq (i) AS (SELECT ? UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
	INSERT INTO request_stages (request_id, stage_id, role, stage_order, status, approvals_required, approvals,
		activated_at, due_at)
	SELECT printf('01800000-%04x-7%03x-8000-%012x', i / 4096, i % 4096, i), stage_id, role, stage_order, status,
		approvals_required, approvals, activated_at, due_at
	FROM seq, request_stages s WHERE s.request_id = ?`,
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
	if err := fillRaw(ctx, raw.DB, pool, details); err != nil {
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
				if err := rawSubmit(raw.DB, fmt.Sprintf("r%09d", i%pool), i, details, entry); err != nil {
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
func openRaw(ctx context.Context, path string) (*rawWriter, error) {
	db, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	db.Close()
	return openRawWriter(path)
}

// rawWriter is database/sql on one connection with the server's writer
// settings, checkpoints included: the WAL is checkpointed off the writer
// (walcheckpoint.go) as the server's is, so that no commit of the baseline
// pays for a checkpoint the server's commits do not.
type rawWriter struct {
	*sql.DB
	ckpt *walCheckpointer
}

func openRawWriter(path string) (*rawWriter, error) {
	raw, err := sql.Open("sqlite3", writerDSN(path))
	if err != nil {
		return nil, err
	}
	raw.SetMaxOpenConns(1)
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", writerAutoCheckpoint)); err != nil {
		raw.Close()
		return nil, err
	}
	ckpt, err := startWALCheckpointer(path)
	if err != nil {
		raw.Close()
		return nil, err
	}
	return &rawWriter{DB: raw, ckpt: ckpt}, nil
}

func (w *rawWriter) Close() error {
	w.ckpt.close()
	return w.DB.Close()
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
