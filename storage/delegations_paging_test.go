package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestListDelegationsPages: the delegations are listed a page at a time,
// newest first, and walking the pages finds every one exactly once — more
// than the 500 the list once stopped at without saying so — both all of
// them and those of one approver. The last page, and only it, has no next.
func TestListDelegationsPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		const n = 502
		ids := make([]string, n) // oldest first
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i := range n {
				ids[i] = testID(t, i)
				from := "hns"
				if i%2 == 1 {
					from = "range"
				}
				if err := tx.CreateDelegation(&domain.Delegation{ID: ids[i], From: from, To: "deputy", Role: domain.RoleHNS,
					Starts: fixedNow, Ends: fixedNow.Add(24 * time.Hour), CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		walk := func(f domain.DelegationFilter) []string {
			t.Helper()
			var got []string
			for pages := 0; ; pages++ {
				if pages > n {
					t.Fatal("the pages never end")
				}
				page, err := db.ListDelegations(ctx, f, fixedNow)
				if err != nil {
					t.Fatal(err)
				}
				want := min(f.Limit, 200)
				if want == 0 {
					want = 50
				}
				if page.NextAfter != "" && len(page.Items) != want {
					t.Fatalf("a page of %d with a next one, want %d", len(page.Items), want)
				}
				for _, d := range page.Items {
					got = append(got, d.ID)
				}
				if page.NextAfter == "" {
					return got
				}
				f.After = page.NextAfter
			}
		}
		check := func(name string, got []string, want []string) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("%s: %d delegations, want %d", name, len(got), len(want))
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s: delegation %d is %s, want %s (newest first, none missing or repeated)", name, i, got[i], want[i])
				}
			}
		}
		var all, ofRange []string
		for i := n - 1; i >= 0; i-- {
			all = append(all, ids[i])
			if i%2 == 1 {
				ofRange = append(ofRange, ids[i])
			}
		}
		check("all, default page", walk(domain.DelegationFilter{}), all)
		check("all, 200 a page", walk(domain.DelegationFilter{Limit: 200}), all)
		check("all, 1000 asked (200 a page)", walk(domain.DelegationFilter{Limit: 1000}), all)
		check("range's", walk(domain.DelegationFilter{User: "range", Limit: 200}), ofRange)
		check("the deputy's", walk(domain.DelegationFilter{User: "deputy", Limit: 200}), all)
	})
}

// TestListWebhooksPages: an account's webhooks and the roles' page newest
// first, every one once. Revoked ones are not capped as active ones are
// (domain.MaxWebhooksPerID), so an account that rotates its webhook often
// has more than a page of them.
func TestListWebhooksPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		loNO := userIDOf(t, db, "lo-no")
		var mine, roles []string // newest first
		for i := range 23 {
			if i%3 == 0 {
				addWebhook(t, db, wid(i), "", domain.RoleHNS, "https://hns.example/role")
				roles = append([]string{wid(i)}, roles...)
				continue
			}
			addWebhook(t, db, wid(i), loNO, "", "https://no.example/hook")
			mine = append([]string{wid(i)}, mine...)
		}
		walk := func(f domain.WebhookFilter) []string {
			t.Helper()
			var got []string
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatal("the pages never end")
				}
				page, err := db.ListWebhooks(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				if page.NextAfter != "" && len(page.Items) != f.Limit {
					t.Fatalf("a page of %d with a next one, want %d", len(page.Items), f.Limit)
				}
				for _, w := range page.Items {
					got = append(got, w.ID)
				}
				if page.NextAfter == "" {
					return got
				}
				f.After = page.NextAfter
			}
		}
		for name, c := range map[string]struct {
			f    domain.WebhookFilter
			want []string
		}{
			"own":   {domain.WebhookFilter{UserID: loNO, Limit: 4}, mine},
			"roles": {domain.WebhookFilter{Roles: true, Limit: 3}, roles},
		} {
			if got := walk(c.f); strings.Join(got, ",") != strings.Join(c.want, ",") {
				t.Errorf("%s: %v, want %v", name, got, c.want)
			}
		}
	})
}
