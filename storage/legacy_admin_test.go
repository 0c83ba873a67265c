package storage_test

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestLegacyAdministratorHearsNothing: an account stored before
// administrators held no other role (admin beside hns_officer) is told
// nothing of its approver role, nor is one (admin beside range_officer)
// through a delegation of the role, since neither may decide; the role's
// other holder and an approver delegate still are. The delegation to the
// administrator does not count (domain.DelegateCounts), and the
// accounts service lists both administrators as legacy accounts.
func TestLegacyAdministratorHearsNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db) // lo-no, lo-de, hns
		legacy := []domain.User{
			{Username: "boss", Roles: []domain.Role{domain.RoleAdmin, domain.RoleHNS}},
			{Username: "chief", Roles: []domain.Role{domain.RoleRange, domain.RoleAdmin}},
			{Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
		}
		for i := range legacy {
			u := legacy[i]
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 500+i), u.Username+"@example.org", fixedNow, fixedNow
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
				t.Fatal(err)
			}
		}
		for i, to := range []string{"chief", "deputy"} {
			d := domain.Delegation{ID: testID(t, 600+i), From: "hns", To: to, Role: domain.RoleHNS,
				Starts: fixedNow.Add(-time.Hour), Ends: fixedNow.Add(48 * time.Hour), CreatedAt: fixedNow.Add(-time.Hour)}
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateDelegation(&d) }); err != nil {
				t.Fatal(err)
			}
		}

		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		told := stageActiveMails(t, db, r.ID)
		if want := []string{"deputy@example.org", "hns@example.org"}; !slices.Equal(told, want) {
			t.Errorf("stage notices to %v, want %v (no administrator)", told, want)
		}

		wantCountingDelegations(t, db, map[string]int{"chief": 0, "deputy": 1})

		svc := domain.NewUserService(db, nil, func() time.Time { return fixedNow }, func() string { return "id" })
		accounts, err := svc.LegacyAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range accounts {
			names = append(names, a.User.Username)
			if !slices.Equal(a.Warnings, []string{domain.AdminApproverWarning}) {
				t.Errorf("%s: warnings %q", a.User.Username, a.Warnings)
			}
		}
		if !slices.Equal(names, []string{"boss", "chief"}) {
			t.Errorf("legacy accounts %v, want boss and chief", names)
		}
	})
}

// TestLegacyAdministratorDelegatesNothing: a delegation from an account
// stored with admin beside hns_officer gives its delegate (deputy, a range
// officer) nothing — no stage notices of hns_officer, no delegation that
// counts (so no queue and no decision), and the list says why
// (delegator_admin) — while hns's delegation of the same role to deputy2
// still does (domain.DelegationCounts).
func TestLegacyAdministratorDelegatesNothing(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db) // lo-no, lo-de, hns
		users := []domain.User{
			{Username: "boss", Roles: []domain.Role{domain.RoleAdmin, domain.RoleHNS}},
			{Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
			{Username: "deputy2", Roles: []domain.Role{domain.RoleRange}},
		}
		for i := range users {
			u := users[i]
			u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 500+i), u.Username+"@example.org", fixedNow, fixedNow
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
				t.Fatal(err)
			}
		}
		from := map[string]string{"boss": "deputy", "hns": "deputy2"}
		ids := map[string]string{}
		for i, name := range []string{"boss", "hns"} {
			d := domain.Delegation{ID: testID(t, 600+i), From: name, To: from[name], Role: domain.RoleHNS,
				Starts: fixedNow.Add(-time.Hour), Ends: fixedNow.Add(48 * time.Hour), CreatedAt: fixedNow.Add(-time.Hour)}
			ids[name] = d.ID
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateDelegation(&d) }); err != nil {
				t.Fatal(err)
			}
		}

		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		told := stageActiveMails(t, db, r.ID)
		if want := []string{"deputy2@example.org", "hns@example.org"}; !slices.Equal(told, want) {
			t.Errorf("stage notices to %v, want %v (not the administrator's delegate)", told, want)
		}

		wantCountingDelegations(t, db, map[string]int{"deputy": 0, "deputy2": 1})

		page, err := db.ListDelegations(ctx, domain.DelegationFilter{}, fixedNow)
		listed := page.Items
		if err != nil {
			t.Fatal(err)
		}
		why := map[string]string{}
		for _, l := range listed {
			why[l.ID] = l.InactiveReason
		}
		if why[ids["boss"]] != domain.InactiveDelegatorAdmin || why[ids["hns"]] != "" {
			t.Errorf("listed as inactive for %q (boss's) and %q (hns's), want %q and none", why[ids["boss"]], why[ids["hns"]],
				domain.InactiveDelegatorAdmin)
		}
	})
}

// stageActiveMails are the addresses, sorted, that the e-mails of
// "Review needed" (stage.active) about request id go to.
func stageActiveMails(t *testing.T, db *storage.DB, id string) []string {
	t.Helper()
	got, err := db.Notifications(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	var told []string
	for _, n := range got {
		if n.Channel == domain.ChannelEmail && n.Kind == domain.NotifyStageActive {
			told = append(told, n.Address)
		}
	}
	sort.Strings(told)
	return told
}

// wantCountingDelegations checks how many delegations count for each
// delegate at fixedNow.
func wantCountingDelegations(t *testing.T, db *storage.DB, want map[string]int) {
	t.Helper()
	for name, n := range want {
		ds, err := db.ActiveDelegations(context.Background(), name, fixedNow)
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != n {
			t.Errorf("%s: %d delegations count, want %d", name, len(ds), n)
		}
	}
}
