package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"exaccess/domain"
)

// allDelegations is every delegation p may list, page by page.
func allDelegations(ctx context.Context, s *domain.ApprovalService, p domain.Principal) ([]domain.ListedDelegation, error) {
	var all []domain.ListedDelegation
	f := domain.DelegationFilter{Limit: 200}
	for {
		page, err := s.DelegationPage(ctx, p, f)
		if err != nil {
			return nil, err
		}
		all = append(all, page.Items...)
		if page.NextAfter == "" {
			return all, nil
		}
		f.After = page.NextAfter
	}
}

// addDelegations stores n running delegations of operations from ops to
// ops2, d-000 (the oldest) to d-<n-1>.
func addDelegations(t *testing.T, e *env, n int) {
	t.Helper()
	now := e.clock()
	err := e.db.InTx(context.Background(), func(tx domain.Tx) error {
		for i := range n {
			d := domain.Delegation{ID: fmt.Sprintf("d-%03d", i), From: "ops", To: "ops2", Role: domain.RoleOperations,
				Starts: now, Ends: now.AddDate(0, 0, 10), CreatedAt: now}
			if err := tx.CreateDelegation(&d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestDelegationsPageIsPaged: with 120 delegations the page lists the
// newest 50 and links to the older ones, page by page, to the last; an
// approver who scripts delegations (each audited) no longer makes the
// page grow without end. A made-up cursor is the 400 page naming it.
func TestDelegationsPageIsPaged(t *testing.T) {
	e := newEnv(t, storagetestSQLite(t), false)
	addDelegations(t, e, 120)
	admin := e.client().signIn("admin")
	var rows []int
	next := "/delegations"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("more pages than 120 delegations fill")
		}
		p := admin.get(next)
		wantStatus(t, p, http.StatusOK)
		rows = append(rows, p.Doc.Find("main table tbody tr").Length())
		if pages > 0 && p.Doc.Find(`main a[href="/delegations"]`).Length() != 1 {
			t.Errorf("page %d has no link back to the newest delegations", pages+1)
		}
		next = p.Doc.Find(`main a[rel="next"]`).AttrOr("href", "")
		if pages == 2 && p.Doc.Find(`form[action="/delegations/d-000/revoke"]`).Length() != 1 {
			t.Errorf("the oldest delegation is not on the last page")
		}
	}
	if fmt.Sprint(rows) != "[50 50 20]" {
		t.Errorf("rows per page %v, want [50 50 20]", rows)
	}
	bad := admin.get("/delegations?" + url.Values{"after": {strings.Repeat("d", 300)}}.Encode())
	wantStatus(t, bad, http.StatusBadRequest)
}
