package api

import (
	"net/http"
	"testing"
	"time"

	"exaccess/domain"

	"github.com/google/uuid"
)

// TestDelegationListPages: GET /api/v1/delegations pages as every list
// does (limit, cursor, next_cursor null only on the last page): an auditor
// walks past 500 delegations and sees each once; a cursor the server did
// not issue and a bad limit are refused naming the parameter.
func TestDelegationListPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, e *env) {
		const n = 503
		now := e.clock()
		err := e.db.InTx(t.Context(), func(tx domain.Tx) error {
			for range n {
				if err := tx.CreateDelegation(&domain.Delegation{ID: uuid.Must(uuid.NewV7()).String(), From: "hns", To: "range",
					Role: domain.RoleHNS, Starts: now, Ends: now.Add(24 * time.Hour), CreatedAt: now}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		path := "/api/v1/delegations?limit=200"
		pages := 0
		for ; ; pages++ {
			if pages > n {
				t.Fatal("the pages never end")
			}
			r := e.do("auditor", http.MethodGet, path, nil)
			want(t, r, 200)
			body := r.JSON(t)
			for _, it := range body["items"].([]any) {
				id := it.(map[string]any)["id"].(string)
				if seen[id] {
					t.Fatalf("%s on two pages", id)
				}
				seen[id] = true
			}
			next, _ := body["next_cursor"].(string)
			if next == "" {
				break
			}
			path = "/api/v1/delegations?limit=200&cursor=" + next
		}
		if len(seen) != n || pages != 2 {
			t.Fatalf("%d delegations on %d pages, want %d on 3", len(seen), pages+1, n)
		}
		wantProblem(t, e.do("auditor", http.MethodGet, "/api/v1/delegations?cursor=nope&limit=0", nil),
			http.StatusUnprocessableEntity, domain.CodeInvalid, "cursor", "limit")
	})
}
