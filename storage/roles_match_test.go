package storage_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestRoleMatchesWholeNames: a role matches only a whole element of an
// account's roles column, in the same case, on every dialect. "_" in a role
// name is no wildcard: an account holding "hns" and "officer" (column
// "hns,officer") is no HNS officer, nor are "hnsXofficer" and "HNS_OFFICER"
// — and none of them gets the HNS stage's notices, is listed as one, or
// counts as the administrator that keeps the last one from being disabled.
func TestRoleMatchesWholeNames(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db) // lo-no, lo-de, hns
		odd := []domain.User{
			{Username: "split", Roles: []domain.Role{"hns", "officer"}},
			{Username: "lookalike", Roles: []domain.Role{"hnsXofficer"}},
			{Username: "upper", Roles: []domain.Role{"HNS_OFFICER"}},
			{Username: "lo-split", Roles: []domain.Role{"liaison", "officer"}, Nation: "NO"},
			{Username: "root", Roles: []domain.Role{domain.RoleAdmin}},
			{Username: "shouting", Roles: []domain.Role{"ADMIN"}},
		}
		for i := range odd {
			u := odd[i]
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 400+i), u.Username+"@example.org", fixedNow, fixedNow
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
				t.Fatal(err)
			}
		}

		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var told []string
		for _, n := range got {
			if n.Channel == domain.ChannelEmail {
				told = append(told, n.Kind+"→"+n.Address)
			}
		}
		sort.Strings(told)
		want := []string{"request.submitted→lo-no@example.org", "stage.active→hns@example.org"}
		if !slices.Equal(told, want) {
			t.Errorf("notifications %v, want %v", told, want)
		}

		page, err := db.ListUsers(ctx, domain.UserFilter{Role: domain.RoleHNS, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, u := range page.Items {
			listed = append(listed, u.Username)
		}
		if !slices.Equal(listed, []string{"hns"}) {
			t.Errorf("accounts listed as %s: %v, want [hns]", domain.RoleHNS, listed)
		}

		err = db.InTx(ctx, func(tx domain.Tx) error {
			n, err := tx.CountAdminsWhoCanSignIn(fixedNow)
			if err == nil && n != 1 {
				t.Errorf("%d enabled administrators, want 1 (root)", n)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestHasRoleIsElementMatch compares the roles match, as each dialect's SQL
// and as the SQLite committer's directory run it, with a plain comparison
// of the column's elements, over random columns and role names of the
// characters that matter (LIKE's wildcards, commas, both cases, a
// non-ASCII letter) and some neighbours of real role names.
func TestHasRoleIsElementMatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seed := time.Now().UnixNano()
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		t.Logf("seed %d", seed)
		alphabet := []rune("aAbB,_%é")
		pick := func(n int) string {
			var sb strings.Builder
			for range rng.IntN(n) {
				sb.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			return sb.String()
		}
		cases := [][2]string{
			{"liaison_officer", "liaison_officer"}, {"liaisonXofficer", "liaison_officer"}, {"ops,lead", "ops_lead"},
			{"hns,officer", "hns_officer"}, {"HNS_OFFICER", "hns_officer"}, {"admin,auditor", "admin"},
			{"ops_lead", "ops%"}, {"ops", "%"}, {"É", "é"}, {"", "admin"}, {"admin,,auditor", "auditor"},
		}
		for range 300 {
			cases = append(cases, [2]string{pick(8), strings.ReplaceAll(pick(5), ",", "")})
		}
		for _, c := range cases {
			column, role := c[0], domain.Role(c[1])
			want := slices.Contains(strings.Split(column, ","), c[1])
			got, err := db.HasRoleForTest(column, role)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("roles %q, role %q: the query says %v, want %v", column, role, got, want)
			}
			if held := storage.HoldsRoleForTest(column, role); held != want {
				t.Errorf("roles %q, role %q: the directory says %v, want %v", column, role, held, want)
			}
		}
	})
}
