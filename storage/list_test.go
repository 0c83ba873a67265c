package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// seedList stores n requests spread over nations, statuses and areas, and
// returns them keyed by id.
func seedList(t *testing.T, db *storage.DB, n int) map[string]*domain.Request {
	t.Helper()
	nations := []string{"NO", "DE", "AT"}
	statuses := []domain.Status{domain.StatusDraft, domain.StatusInReview, domain.StatusApproved, domain.StatusWithdrawn}
	areas := []string{"boden", "kilen", "tofta", "revinge", "vidsel"}
	all := map[string]*domain.Request{}
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		for i := range n {
			r := newDraft(testID(t, i), nations[i%len(nations)])
			r.Status = statuses[i%len(statuses)]
			// Every request sent for review has its submission time; every
			// other withdrawn one was withdrawn a draft, never submitted.
			if r.Status != domain.StatusDraft && (r.Status != domain.StatusWithdrawn || i%8 == 7) {
				submitted := fixedNow
				r.SubmittedAt = &submitted
			}
			// Request i books area i%5, and every seventh also books boden twice.
			r.TrainingAreas = []domain.AreaBooking{{Area: areas[i%len(areas)], From: day("2026-03-02"), To: day("2026-03-04")}}
			if i%7 == 0 {
				b := domain.AreaBooking{Area: "boden", From: day("2026-03-05"), To: day("2026-03-06")}
				r.TrainingAreas = append(r.TrainingAreas, b, b)
			}
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
			all[r.ID] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return all
}

func TestListRequestsFiltersAndKeysetPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		all := seedList(t, db, 120)
		books := func(r *domain.Request, area string) bool {
			return slices.ContainsFunc(r.TrainingAreas, func(b domain.AreaBooking) bool { return b.Area == area })
		}
		type listCase struct {
			name   string
			filter domain.RequestFilter
			match  func(*domain.Request) bool
		}
		cases := []listCase{
			{"all", domain.RequestFilter{}, func(*domain.Request) bool { return true }},
			{"nation", domain.RequestFilter{Nation: "DE"}, func(r *domain.Request) bool { return r.Nation == "DE" }},
			{"status", domain.RequestFilter{Status: domain.StatusInReview}, func(r *domain.Request) bool { return r.Status == domain.StatusInReview }},
			{"nation and status", domain.RequestFilter{Nation: "NO", Status: domain.StatusDraft},
				func(r *domain.Request) bool { return r.Nation == "NO" && r.Status == domain.StatusDraft }},
			{"area", domain.RequestFilter{Area: "boden"}, func(r *domain.Request) bool { return books(r, "boden") }},
			{"area and nation", domain.RequestFilter{Area: "kilen", Nation: "AT"},
				func(r *domain.Request) bool { return books(r, "kilen") && r.Nation == "AT" }},
			{"no match", domain.RequestFilter{Nation: "FR"}, func(*domain.Request) bool { return false }},
		}
		// Each filter again for a reader who may not see the requests never
		// submitted: the same requests less those.
		for _, c := range cases[:len(cases):len(cases)] {
			c.name += ", submitted only"
			c.filter.SubmittedOnly = true
			match := c.match
			c.match = func(r *domain.Request) bool { return match(r) && r.EverSubmitted() }
			cases = append(cases, c)
		}
		cases = append(cases,
			listCase{"withdrawn, submitted only", domain.RequestFilter{Status: domain.StatusWithdrawn, SubmittedOnly: true},
				func(r *domain.Request) bool { return r.Status == domain.StatusWithdrawn && r.SubmittedAt != nil }},
			listCase{"draft, submitted only", domain.RequestFilter{Status: domain.StatusDraft, SubmittedOnly: true},
				func(*domain.Request) bool { return false }})
		withdrawnDrafts := 0
		for _, r := range all {
			if r.Status == domain.StatusWithdrawn && r.SubmittedAt == nil {
				withdrawnDrafts++
			}
		}
		if withdrawnDrafts == 0 {
			t.Fatal("the seed has no request withdrawn before its submission")
		}
		for _, c := range cases {
			for _, limit := range []int{7, 25, 200} {
				var want []string
				for id, r := range all {
					if c.match(r) {
						want = append(want, id)
					}
				}
				slices.Sort(want)
				slices.Reverse(want) // newest first
				got := listAll(t, db, c.filter, limit)
				if !slices.Equal(got, want) {
					t.Errorf("%s, limit %d: got %d ids, want %d (in newest-first order, no duplicates or gaps)",
						c.name, limit, len(got), len(want))
				}
			}
		}
	})
}

// listAll follows NextAfter until the last page and checks every page's size.
func listAll(t *testing.T, db *storage.DB, f domain.RequestFilter, limit int) []string {
	t.Helper()
	var ids []string
	f.Limit = limit
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		page, err := db.ListRequests(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit || (page.NextAfter != "" && len(page.Items) != limit) {
			t.Fatalf("page of %d items with NextAfter %q at limit %d", len(page.Items), page.NextAfter, limit)
		}
		for _, r := range page.Items {
			ids = append(ids, r.ID)
		}
		if page.NextAfter == "" {
			return ids
		}
		f.After = page.NextAfter
	}
}

func TestListRequestsLimitBounds(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seedList(t, db, 60)
		for _, c := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}} {
			page, err := db.ListRequests(context.Background(), domain.RequestFilter{Limit: c.limit})
			if err != nil || len(page.Items) != c.want {
				t.Errorf("limit %d: %d items, %v; want %d", c.limit, len(page.Items), err, c.want)
			}
		}
	})
}

// A summary page lists the same requests as the full page, each with the
// same columns and personnel, and nothing of the details beyond them.
func TestListRequestsSummary(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seeded := seedList(t, db, 12)
		for id, r := range seeded {
			r.Personnel = domain.Personnel{Military: len(id) % 7, Civilian: 3, Contractors: 1}
		}
		ctx := context.Background()
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for _, r := range seeded {
				if err := tx.UpdateRequest(r, r.Version); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		full, err := db.ListRequests(ctx, domain.RequestFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := db.ListRequests(ctx, domain.RequestFilter{Limit: 50, Summary: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(sum.Items) != len(full.Items) || len(full.Items) != len(seeded) {
			t.Fatalf("summary %d items, full %d, seeded %d", len(sum.Items), len(full.Items), len(seeded))
		}
		for i, s := range sum.Items {
			f := full.Items[i]
			if s.ID != f.ID || s.Reference != f.Reference || s.Status != f.Status || s.Version != f.Version ||
				s.Nation != f.Nation || s.ExerciseName != f.ExerciseName || !s.Period.Start.Equal(f.Period.Start) ||
				!s.Period.End.Equal(f.Period.End) || s.Personnel != f.Personnel || s.Personnel != seeded[s.ID].Personnel ||
				!s.CreatedAt.Equal(f.CreatedAt) || !s.UpdatedAt.Equal(f.UpdatedAt) {
				t.Errorf("summary %+v differs from full %+v", s, f)
			}
			if s.Contact != (domain.Contact{}) || len(s.TrainingAreas) != 0 || s.Route != nil {
				t.Errorf("summary %s carries more than the summary: %+v", s.ID, s)
			}
		}
	})
}

// TestListPlanSubmittedOnly: the list of a reader who may not see the
// requests never submitted walks an index that holds none of them (the
// partial indexes of migration 0029), in the list's order, so a page reads
// no draft however many there are; the list without that condition (a
// liaison officer's, an auditor's) walks an index that holds every
// request. No scan of the table, no sort, on SQLite and on PostgreSQL
// (its generic plan, asked with sequential scans, bitmap scans and sorts
// priced out, so that a sort or a scan left in the plan means no index can
// serve the filter and order). A status other than draft or withdrawn
// needs no condition at all, and the drafts alone are no query. With an
// area the list looks up the requests that book it, drafts included, as
// it did before.
func TestListPlanSubmittedOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		for name, f := range map[string]domain.RequestFilter{
			"all":                   {After: "z"},
			"nation":                {Nation: "NO", After: "z"},
			"status":                {Status: domain.StatusInReview, After: "z"},
			"withdrawn":             {Status: domain.StatusWithdrawn, After: "z"},
			"nation and withdrawn":  {Nation: "NO", Status: domain.StatusWithdrawn, After: "z"},
			"area":                  {Area: "boden", After: "z"},
			"first page":            {Nation: "NO"},
			"first page, all":       {},
			"first page, withdrawn": {Status: domain.StatusWithdrawn},
		} {
			plain, err := db.ExplainListForTest(f)
			if err != nil {
				t.Fatal(err)
			}
			f.SubmittedOnly = true
			plan, err := db.ExplainListForTest(f)
			if err != nil {
				t.Fatal(err)
			}
			index, plainIndex := listIndex(db.Dialect(), plan), listIndex(db.Dialect(), plain)
			if index == "" || plainIndex == "" {
				t.Errorf("%s: the submitted-only list walks %q, the list %q:\n%s\n%s", name, index, plainIndex, plan, plain)
				continue
			}
			for _, p := range []string{plan, plain} {
				if scansTable(p) || strings.Contains(p, "TEMP B-TREE") ||
					strings.Contains(p, "Seq Scan") || strings.Contains(p, "Sort") {
					t.Errorf("%s: the list scans or sorts: %s", name, p)
				}
			}
			// The list without the condition must see every request its
			// filters match, drafts too: an index of the submitted only
			// would drop them.
			for _, st := range []domain.Status{domain.StatusDraft, domain.StatusWithdrawn} {
				if holds, err := db.IndexHoldsForTest(plainIndex, st, false); err != nil || !holds {
					t.Errorf("%s: the list walks %s, which does not hold a %s never submitted (%v): %s",
						name, plainIndex, st, err, plain)
				}
			}
			switch {
			case f.Status == domain.StatusInReview:
				if index != plainIndex || (plan != plain && db.Dialect() != storage.DialectPostgres) {
					t.Errorf("%s: a status that is never a draft's gets a condition: %s", name, plan)
				}
			case f.Area != "":
				// The area's requests, then each by its key (SQLite) or a
				// merge with an id-ordered walk (PostgreSQL).
			default:
				for _, st := range []domain.Status{domain.StatusDraft, domain.StatusWithdrawn} {
					holds, err := db.IndexHoldsForTest(index, st, false)
					if err != nil {
						t.Fatal(err)
					}
					if holds {
						t.Errorf("%s: the submitted-only list walks %s, which holds every %s never submitted, "+
							"so a page reads and skips them: %s", name, index, st, plan)
					}
				}
				// It still holds what the list shows.
				if holds, err := db.IndexHoldsForTest(index, domain.StatusWithdrawn, true); err != nil || !holds {
					t.Errorf("%s: %s leaves out a request withdrawn after submission (%v)", name, index, err)
				}
			}
		}
		plan, err := db.ExplainListForTest(domain.RequestFilter{Status: domain.StatusDraft, SubmittedOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if db.Dialect() == storage.DialectPostgres && !strings.Contains(plan, "One-Time Filter: false") {
			t.Errorf("drafts, submitted only: %s, want no rows read", plan)
		}
	})
}

// scansTable tells whether a SQLite plan reads the table requests in its
// own order; "SCAN requests USING INDEX" walks an index in order, which a
// list without a condition on the index's columns does (and stops at the
// page's end).
func scansTable(plan string) bool {
	for _, step := range strings.Split(plan, " | ") {
		if step == "SCAN requests" || (strings.HasPrefix(step, "SCAN requests ") && !strings.HasPrefix(step, "SCAN requests USING ")) {
			return true
		}
	}
	return false
}

// listIndex is the index of requests a list plan walks, "" for none.
func listIndex(dialect, plan string) string {
	prefix, end := "requests USING INDEX ", " "
	if dialect == storage.DialectPostgres {
		prefix, end = "Index Scan Backward using ", " on requests"
	}
	_, rest, ok := strings.Cut(plan, prefix)
	if !ok {
		return ""
	}
	index, _, _ := strings.Cut(rest, end)
	return index
}
