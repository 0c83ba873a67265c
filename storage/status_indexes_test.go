package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
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

// TestStatusIndexesMigration: migration 0031 builds its indexes from the
// rows already stored, and the queries that read them answer as before:
// the active stage of a request in review is in its role's queue and
// counted overdue once its deadline passed, the pending stage after it in
// no queue, and an approved request whose period ended is expired; a draft
// and the request in review are not.
func TestStatusIndexesMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 30)
			if err := db.WriterForTest().Exec("INSERT INTO nations (alpha2, alpha3, numeric_code, name) VALUES ('NO', 'NOR', '578', 'Norway')").Error; err != nil {
				t.Fatal(err)
			}
			activated, due := fixedNow, fixedNow.Add(48*time.Hour)
			inReview := newDraft(testID(t, 1), "NO")
			inReview.Status = domain.StatusInReview
			inReview.Route = &domain.Route{PolicyVersion: "t", Stages: []domain.Stage{
				{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1,
					SLAWorkingDays: 2, ActivatedAt: &activated, DueAt: &due},
				{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1, SLAWorkingDays: 3}}}
			approved := newDraft(testID(t, 2), "NO")
			approved.Status = domain.StatusApproved
			for _, r := range []*domain.Request{inReview, approved, newDraft(testID(t, 3), "NO")} {
				createRequest(t, db, r)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for role, want := range map[domain.Role]int{domain.RoleHNS: 1, domain.RoleRange: 0} {
				page, err := db.ListQueue(ctx, domain.QueueFilter{Roles: []domain.Role{role}, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) != want || want == 1 && (page.Items[0].RequestID != inReview.ID || page.Items[0].StageID != "intake") {
					t.Errorf("%s's queue: %+v, want %d stage(s)", role, page.Items, want)
				}
			}
			for at, want := range map[time.Time]int64{due.Add(-time.Second): 0, due.Add(time.Second): 1} {
				if n, err := db.OverdueStages(ctx, at); err != nil || n != want {
					t.Errorf("overdue stages at %s: %d (%v), want %d", at, n, err, want)
				}
			}
			ids, err := db.ListExpired(ctx, day("2026-03-14"), 10)
			if err != nil || len(ids) != 1 || ids[0] != approved.ID {
				t.Errorf("expired on 14 March: %v (%v), want only %s", ids, err, approved.ID)
			}
			if ids, err := db.ListExpired(ctx, day("2026-03-13"), 10); err != nil || len(ids) != 0 {
				t.Errorf("expired on 13 March: %v (%v), want none", ids, err)
			}
		})
	}
}
