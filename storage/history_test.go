package storage_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// appendHistory appends one entry of each action in turn to request id,
// each with its number in data, and returns their indexes.
func appendHistory(t *testing.T, db *storage.DB, id string, actions ...string) []int64 {
	t.Helper()
	var idx []int64
	for i, action := range actions {
		e := &domain.AuditEntry{At: fixedNow, Actor: "someone", Action: action, RequestID: id, RequestVersion: 1,
			Data: map[string]any{"n": fmt.Sprint(i)}}
		if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.AppendAudit(e) }); err != nil {
			t.Fatal(err)
		}
		idx = append(idx, e.Index)
	}
	return idx
}

// walkHistory reads every page of f with the page size limit and returns
// the indexes in the order of the walk and the number of pages.
func walkHistory(t *testing.T, db *storage.DB, f domain.HistoryFilter) (walked []int64, pages int) {
	t.Helper()
	f.Cursor = nil
	for {
		page, err := db.ListHistory(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if len(page.Entries) > f.Limit {
			t.Fatalf("a page of %d entries, limit %d", len(page.Entries), f.Limit)
		}
		var idx []int64
		for _, e := range page.Entries {
			idx = append(idx, e.Index)
		}
		if !slices.IsSorted(idx) {
			t.Fatalf("a page not oldest first: %v", idx)
		}
		if f.Newest {
			slices.Reverse(idx)
		}
		walked = append(walked, idx...)
		if page.Next == nil {
			return walked, pages
		}
		if pages > 100 {
			t.Fatal("the walk does not end")
		}
		f.Cursor = page.Next
	}
}

// TestHistoryPages: a request's history is read a page at a time, from the
// oldest on or from the newest back, every entry once; the actions a
// caller may not see are left out by the query itself, so a page of the
// sending nation's history is full however many refusals lie between its
// entries; a filter on actions finds the last withdrawal at once.
func TestHistoryPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		id, other := testID(t, 1), testID(t, 2)
		created := appendHistory(t, db, id, domain.AuditRequestCreated)
		appendHistory(t, db, other, domain.AuditRequestCreated, domain.AuditRequestRefused)
		refused := appendHistory(t, db, id, domain.AuditRequestRefused, domain.AuditRequestRefused, domain.AuditRequestRefused)
		updated := appendHistory(t, db, id, domain.AuditRequestUpdated, domain.AuditRequestSubmitted, domain.AuditRequestWithdrawn)
		refused = append(refused, appendHistory(t, db, id, domain.AuditRequestRefused, domain.AuditRequestRefused)...)
		all := slices.Concat(created, refused[:3], updated, refused[3:])
		visible := slices.Concat(created, updated)

		for _, c := range []struct {
			name   string
			f      domain.HistoryFilter
			want   []int64
			pages  int
			newest bool
		}{
			{"all, oldest first", domain.HistoryFilter{RequestID: id, HistoryQuery: domain.HistoryQuery{Limit: 3}}, all, 3, false},
			{"all, newest first", domain.HistoryFilter{RequestID: id, HistoryQuery: domain.HistoryQuery{Limit: 3, Newest: true}}, all, 3, true},
			{"one page", domain.HistoryFilter{RequestID: id, HistoryQuery: domain.HistoryQuery{Limit: 200}}, all, 1, false},
			{"no refusals", domain.HistoryFilter{RequestID: id, HistoryQuery: domain.HistoryQuery{Limit: 2}, Omit: []string{domain.AuditRequestRefused}},
				visible, 2, false},
			{"no refusals, newest first", domain.HistoryFilter{RequestID: id, HistoryQuery: domain.HistoryQuery{Limit: 2, Newest: true},
				Omit: []string{domain.AuditRequestRefused}}, visible, 2, true},
		} {
			got, pages := walkHistory(t, db, c.f)
			want := slices.Clone(c.want)
			if c.newest {
				slices.Reverse(want)
			}
			if !slices.Equal(got, want) || pages != c.pages {
				t.Errorf("%s: walked %v in %d pages, want %v in %d", c.name, got, pages, want, c.pages)
			}
		}

		// The newest two the sending nation may see: the query skips the two
		// refusals after them, and says that older ones follow.
		page, err := db.ListHistory(ctx, domain.HistoryFilter{RequestID: id, Omit: []string{domain.AuditRequestRefused},
			HistoryQuery: domain.HistoryQuery{Newest: true, Limit: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Entries) != 2 || page.Entries[0].Action != domain.AuditRequestSubmitted || page.Entries[1].Action != domain.AuditRequestWithdrawn ||
			page.Next == nil || *page.Next != updated[1] {
			t.Errorf("newest two without refusals: %+v, next %v", page.Entries, page.Next)
		}
		last, err := db.ListHistory(ctx, domain.HistoryFilter{RequestID: id, HistoryQuery: domain.HistoryQuery{Newest: true, Limit: 1,
			Actions: []string{domain.AuditRequestWithdrawn, domain.AuditRequestRevoked}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(last.Entries) != 1 || last.Entries[0].Index != updated[2] || last.Entries[0].Data["n"] != "2" {
			t.Errorf("the last withdrawal: %+v", last.Entries)
		}
		none, err := db.ListHistory(ctx, domain.HistoryFilter{RequestID: testID(t, 3)})
		if err != nil || len(none.Entries) != 0 || none.Next != nil {
			t.Errorf("a request without entries: %+v, %v", none, err)
		}
	})
}

// TestHistoryPlan: a request's history page, oldest or newest first, with
// or without a cursor, with the sending nation's omitted actions or a
// filter on actions, is read by walking the index audit_log_request_idx
// (request_id, idx) in the page's order (backwards for newest first on
// PostgreSQL) and never sorts the request's entries: a request with a
// long history costs a page the same as a short one. On PostgreSQL the
// plan is asked with sorts priced out, so a sort in it means the index
// cannot serve the order.
func TestHistoryPlan(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		id := testID(t, 1)
		appendHistory(t, db, id, domain.AuditRequestCreated, domain.AuditRequestRefused, domain.AuditRequestUpdated)
		cursor := int64(1)
		for _, newest := range []bool{false, true} {
			for name, f := range map[string]domain.HistoryFilter{
				"first page":   {RequestID: id},
				"cursor":       {RequestID: id, HistoryQuery: domain.HistoryQuery{Cursor: &cursor}},
				"omit":         {RequestID: id, Omit: []string{domain.AuditRequestRefused}},
				"omit, cursor": {RequestID: id, HistoryQuery: domain.HistoryQuery{Cursor: &cursor}, Omit: []string{domain.AuditRequestRefused}},
				"actions":      {RequestID: id, HistoryQuery: domain.HistoryQuery{Actions: []string{domain.AuditRequestWithdrawn, domain.AuditRequestRevoked}}},
			} {
				f.Newest, f.Limit = newest, 2
				plan, err := db.ExplainHistoryForTest(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if !servedByIndex(db.Dialect(), plan, "audit_log_request_idx", newest) {
					t.Errorf("%s, newest %v: the plan sorts or reads the request's index out of order: %s", name, newest, plan)
				}
			}
		}
	})
}
