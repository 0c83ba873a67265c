package storage

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// BenchmarkRawSQLiteSubmit is the baseline of docs/product.md, "Targets": what raw
// SQLite reaches for "the same rows with the same settings" — one
// transaction per submit that updates a ~1 KB request row and appends a
// ~300 B audit row, with database/sql on this package's writer DSN (WAL,
// synchronous=FULL, BEGIN IMMEDIATE, one connection), 16 callers at once.
// api's BenchmarkSubmitHTTP must reach at least half of it.
//
//	go test -run '^$' -bench RawSQLiteSubmit -benchtime 3000x ./storage/
func BenchmarkRawSQLiteSubmit(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "raw.db")
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite3", writerDSN(path))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	raw.SetMaxOpenConns(1)
	details := `{"exercise_name":"` + strings.Repeat("x", 900) + `"}`
	now := time.Now().UTC()
	for i := range b.N {
		_, err := raw.Exec(`INSERT INTO requests (id, nation, status, version, created_by, created_at, updated_at,
			exercise_name, period_start, period_end, details, conditions, warnings)
			VALUES (?, 'NO', 'draft', 1, 'lo-no', ?, ?, 'x', '2027-03-02', '2027-03-20', ?, '[]', '[]')`,
			fmt.Sprintf("r%09d", i), now, now, details)
		if err != nil {
			b.Fatal(err)
		}
	}
	entry := []byte(strings.Repeat("e", 300))
	var next, idx atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) - 1
			start := time.Now()
			if err := rawSubmit(raw, fmt.Sprintf("r%09d", i), idx.Add(1), details, entry); err != nil {
				b.Error(err)
				return
			}
			mu.Lock()
			lat = append(lat, time.Since(start))
			mu.Unlock()
		}
	})
	b.StopTimer()
	reportLatency(b, lat)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	b.Helper()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "ops/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// benchRows is how many requests the list and queue benchmarks store:
// EXACCESS_BENCH_ROWS, default 100,000 (set 1000000 for the figures of
// docs/performance.md; seeding a million takes about a minute and is kept
// in the temp directory between runs).
func benchRows(b *testing.B) int {
	if v := os.Getenv("EXACCESS_BENCH_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		return n
	}
	return 100_000
}

// seededDB opens a SQLite database holding n submitted requests of 5
// nations, each with an active intake stage and a pending operations stage.
func seededDB(b *testing.B, n int) *DB {
	b.Helper()
	ctx := context.Background()
	path := filepath.Join(os.TempDir(), fmt.Sprintf("exaccess-bench-%d.db", n))
	fresh := false
	if _, err := os.Stat(path); err != nil {
		fresh = true
	}
	db, err := Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	if fresh {
		if err := seed(db, n); err != nil {
			db.Close()
			os.Remove(path)
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func seed(db *DB, n int) error {
	nations := []string{"NO", "DE", "AT", "PL", "FI"}
	statuses := []string{"in_review", "in_review", "approved", "draft", "rejected"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	details := `{"exercise_name":"bench","personnel":{"military":100}}`
	const batch = 10_000
	for start := 0; start < n; start += batch {
		err := db.writer.Transaction(func(g *gorm.DB) error {
			for i := start; i < min(start+batch, n); i++ {
				id := fmt.Sprintf("0190%012x-7000-8000-000000000000", i)
				at := base.Add(time.Duration(i) * time.Second)
				st := statuses[i%len(statuses)]
				if err := g.Exec(`INSERT INTO requests (id, reference, nation, status, version, created_by, created_at, updated_at,
					exercise_name, period_start, period_end, details, conditions, warnings)
					VALUES (?, ?, ?, ?, 2, 'lo', ?, ?, 'bench', '2027-03-02', '2027-03-20', ?, '[]', '[]')`,
					id, fmt.Sprintf("SE-2026-EXA-%07d", i), nations[i%len(nations)], st, at, at, details).Error; err != nil {
					return err
				}
				if st != "in_review" {
					continue
				}
				due := at.Add(48 * time.Hour)
				if err := g.Exec(`INSERT INTO request_stages (request_id, stage_id, role, stage_order, status, approvals_required,
					approvals, activated_at, due_at) VALUES (?, 'intake', 'hns_officer', 1, 'active', 1, 0, ?, ?),
					(?, 'operations', 'operations_approver', 2, 'pending', 1, 0, NULL, ?)`, id, at, due, id, due).Error; err != nil {
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

// BenchmarkListRequestsPage: one keyset page of 50 of a nation's requests
// in review, deep in the list, from n stored requests.
//
//	EXACCESS_BENCH_ROWS=1000000 go test -run '^$' -bench 'ListRequestsPage|QueuePage' -benchtime 2000x ./storage/
func BenchmarkListRequestsPage(b *testing.B) {
	db := seededDB(b, benchRows(b))
	ctx := context.Background()
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		after := fmt.Sprintf("0190%012x-7000-8000-000000000000", (i*7919)%benchRows(b))
		start := time.Now()
		page, err := db.ListRequests(ctx, domain.RequestFilter{Nation: "NO", Status: domain.StatusInReview, After: after, Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		_ = page
	}
	b.StopTimer()
	reportLatency(b, lat)
}

// BenchmarkListRequestsPageDrafts: the first page of 50 of an approver's
// list (the requests ever submitted, newest first; all nations, and one)
// when 50,000 drafts are newer than every one of the 1,000 submitted
// requests: with the partial indexes of migration 0029, and without them
// (dropped), as the list walked before it, reading and skipping every
// draft.
//
//	go test -run '^$' -bench ListRequestsPageDrafts -benchtime 100x ./storage/
func BenchmarkListRequestsPageDrafts(b *testing.B) {
	const submitted, drafts = 1_000, 50_000
	ctx := context.Background()
	for _, c := range []struct {
		name string
		drop bool
	}{{"without-0029", true}, {"with-0029", false}} {
		db, err := Open(ctx, filepath.Join(b.TempDir(), "drafts.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		if err := seedDrafts(db, submitted, drafts); err != nil {
			b.Fatal(err)
		}
		if c.drop {
			for _, index := range []string{"requests_submitted_id", "requests_submitted_nation_id"} {
				if err := db.writer.Exec("DROP INDEX " + index).Error; err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, l := range []struct {
			name   string
			filter domain.RequestFilter
		}{
			{"all", domain.RequestFilter{SubmittedOnly: true, Limit: 50}},
			{"nation", domain.RequestFilter{Nation: "NO", SubmittedOnly: true, Limit: 50}},
		} {
			b.Run(c.name+"/"+l.name, func(b *testing.B) {
				var lat []time.Duration
				b.ResetTimer()
				for range b.N {
					start := time.Now()
					page, err := db.ListRequests(ctx, l.filter)
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(start))
					if len(page.Items) != 50 || page.Items[0].Status == domain.StatusDraft {
						b.Fatalf("a page of %d requests, the first %s", len(page.Items), page.Items[0].Status)
					}
				}
				b.StopTimer()
				reportLatency(b, lat)
			})
		}
	}
}

// seedDrafts stores submitted requests in review of 5 nations, then drafts
// of the same nations, each newer than every submitted one.
func seedDrafts(db *DB, submitted, drafts int) error {
	nations := []string{"NO", "DE", "AT", "PL", "FI"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	details := `{"exercise_name":"bench","personnel":{"military":100}}`
	const batch = 10_000
	for start := 0; start < submitted+drafts; start += batch {
		err := db.writer.Transaction(func(g *gorm.DB) error {
			for i := start; i < min(start+batch, submitted+drafts); i++ {
				at := base.Add(time.Duration(i) * time.Second)
				status, submittedAt := "in_review", &at
				if i >= submitted {
					status, submittedAt = "draft", nil
				}
				if err := g.Exec(`INSERT INTO requests (id, reference, nation, status, version, created_by, created_at, updated_at,
					submitted_at, exercise_name, period_start, period_end, details, conditions, warnings)
					VALUES (?, ?, ?, ?, 2, 'lo', ?, ?, ?, 'bench', '2027-03-02', '2027-03-20', ?, '[]', '[]')`,
					fmt.Sprintf("0190%012x-7000-8000-000000000000", i), fmt.Sprintf("SE-2026-EXA-%07d", i),
					nations[i%len(nations)], status, at, at, submittedAt, details).Error; err != nil {
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

// BenchmarkQueuePage: one page of 50 of the intake queue, oldest deadline
// first, leaving out the caller's own decisions, from n stored requests.
func BenchmarkQueuePage(b *testing.B) {
	db := seededDB(b, benchRows(b))
	ctx := context.Background()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var lat []time.Duration
	b.ResetTimer()
	for i := range b.N {
		f := domain.QueueFilter{Roles: []domain.Role{domain.RoleHNS}, ExcludeActor: []string{"hns"}, Limit: 50}
		if i%2 == 1 { // every other page starts somewhere in the middle
			k := (i * 7919) % benchRows(b)
			f.After = &domain.QueueCursor{DueAt: base.Add(time.Duration(k)*time.Second + 48*time.Hour),
				RequestID: fmt.Sprintf("0190%012x-7000-8000-000000000000", k), StageID: "intake"}
		}
		start := time.Now()
		if _, err := db.ListQueue(ctx, f); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportLatency(b, lat)
}
