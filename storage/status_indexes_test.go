package storage_test

import (
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestPlanStatusIndexes: the queries that read the indexes of migration
// 0031 still walk them, and those indexes hold the rows of one status
// only, so that a change that writes rows of any other status (a submit's
// pending stages, a draft made in review) writes no entry in them. The
// queue walks request_stages_active_queue by role and deadline; the
// overdue-stage count is a range of request_stages_active_due; the expiry
// sweep and the expired requests are ranges of requests_approved_period_end,
// in their order. No scan of the table, no sort, on SQLite and on
// PostgreSQL (its generic plan, with sequential scans, bitmap scans and
// sorts priced out, as TestListPlanSubmittedOnly asks it). On SQLite the
// inbox page and the delivery claim look each notification's stage up by
// the stages' key (request_id, stage_id): a probe that reads one
// request's stages, not every active stage (the (status, due_at) index
// that 0031 drops made SQLite read every active stage for each row).
func TestPlanStatusIndexes(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		plans, err := db.ExplainStatusIndexQueriesForTest(time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		pg := db.Dialect() == storage.DialectPostgres
		walks := func(table, index, cond string) (sqlite, postgres string) {
			return "INDEX " + index + " (" + cond, " using " + index + " on " + table
		}
		type want struct {
			index, holds, not string // the index walked, a status it holds, a status it does not hold
			sqlite, postgres  string // the walk in each plan
		}
		queue := func(cond string) want {
			s, p := walks("request_stages s", "request_stages_active_queue", "role=?"+cond)
			return want{"request_stages_active_queue", "active", "pending", s, p}
		}
		due := func(index, cond string) want {
			s, p := walks("request_stages", index, cond)
			return want{index, "active", "pending", s, p}
		}
		approved := func(index, cond string) want {
			_, p := walks("requests", index, "")
			return want{index, "approved", "in_review", "INDEX " + index + " (" + cond, p}
		}
		for name, w := range map[string]want{
			"queue":                  queue(")"),
			"queue, nation, overdue": queue(" AND due_at<?)"),
			"queue, next page":       queue(" AND (due_at,request_id,stage_id)>(?,?,?))"),
			"overdue stages":         due("request_stages_active_due", "due_at<?)"),
			"expiry sweep":           approved("requests_approved_period_end", "status=? AND period_end>? AND period_end<?)"),
			"expired":                approved("requests_approved_period_end", "status=? AND period_end<?)"),
		} {
			plan := plans[name]
			if walk := map[bool]string{false: w.sqlite, true: w.postgres}[pg]; !strings.Contains(plan, walk) {
				t.Errorf("%s: %s, want a walk of %s (%q)", name, plan, w.index, walk)
			}
			if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "Sort") ||
				strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "SCAN ") {
				t.Errorf("%s: the query scans or sorts: %s", name, plan)
			}
			if holds, err := db.IndexHoldsForTest(w.index, domain.Status(w.holds), true); err != nil || !holds {
				t.Errorf("%s: %s does not hold a row of status %s (%v)", name, w.index, w.holds, err)
			}
			if holds, err := db.IndexHoldsForTest(w.index, domain.Status(w.not), true); err != nil || holds {
				t.Errorf("%s: %s holds the rows of status %s, which no query of it reads (%v)", name, w.index, w.not, err)
			}
		}
		if pg {
			// PostgreSQL chooses the probe's index by its statistics,
			// which a test's empty tables do not have: on realistic data
			// (docs/performance.md, fourteenth look) it goes by the key.
			return
		}
		for _, name := range []string{"inbox", "delivery claim"} {
			probe := "SEARCH request_stages USING INDEX sqlite_autoindex_request_stages_1 (request_id=?)"
			if plan := plans[name]; !strings.Contains(plan, probe) {
				t.Errorf("%s: %s, want the stage looked up by its key (%q)", name, plan, probe)
			}
		}
	})
}
