package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestScheduleSweepReachesCountingDelegationsPastLapsedOnes: the reminder
// sweep reads at most its limit (lowered to 3) of delegations that started
// in its window and of those that end within a day — and it counts only
// delegations that count. Eleven delegations that do not count start
// earlier and end sooner than the two that do: from a disabled delegator,
// from one who lost the role, from one whose roles only look like it
// ("hns" and "officer"), to a disabled delegate, to a liaison officer, to
// one whose roles only look like an approver's ("range" and "officer"),
// and three from an account stored with admin beside hns_officer, whose
// delegations give nothing (domain.DelegationCounts).
// The first sweep still writes both notices of both counting delegations
// (one to a delegate whose approver role is not the first of their roles),
// and nothing to anyone through a delegation that does not count.
func TestScheduleSweepReachesCountingDelegationsPastLapsedOnes(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		db.SetScheduleLimitForTest(3)
		now := stockholmAt(t, 2026, 3, 3, 10)
		disabledAt := now.Add(-24 * time.Hour)
		users := []domain.User{
			{Username: "boss", Roles: []domain.Role{domain.RoleHNS}},
			{Username: "gone", Roles: []domain.Role{domain.RoleHNS}, DisabledAt: &disabledAt},
			{Username: "moved", Roles: []domain.Role{domain.RoleRange}},
			{Username: "split", Roles: []domain.Role{"hns", "officer"}},
			{Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
			{Username: "deputy2", Roles: []domain.Role{domain.RoleAuditor, domain.RoleMinistry}},
			{Username: "off", Roles: []domain.Role{domain.RoleRange}, DisabledAt: &disabledAt},
			{Username: "lo", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
			{Username: "odd", Roles: []domain.Role{"range", "officer"}},
			{Username: "chief", Roles: []domain.Role{domain.RoleAdmin, domain.RoleHNS}},
		}
		lapsed := [][2]string{{"gone", "deputy"}, {"moved", "deputy"}, {"split", "deputy"}, {"boss", "off"},
			{"boss", "lo"}, {"boss", "odd"}, {"gone", "deputy2"}, {"moved", "deputy2"},
			{"chief", "deputy"}, {"chief", "deputy2"}, {"chief", "deputy"}}
		name := map[string]string{} // delegation id → "from→to"
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i := range users {
				u := users[i]
				u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
			}
			for i, p := range lapsed {
				// Earlier in both queries' order than the counting ones.
				id := testID(t, 300+i)
				name[id] = p[0] + "→" + p[1]
				if err := tx.CreateDelegation(&domain.Delegation{ID: id, From: p[0], To: p[1], Role: domain.RoleHNS,
					Starts: now.Add(-2*time.Hour - time.Duration(i)*time.Minute), Ends: now.Add(time.Hour + time.Duration(i)*time.Minute),
					CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			for i, to := range []string{"deputy", "deputy2"} {
				id := testID(t, 400+i)
				name[id] = "boss→" + to
				if err := tx.CreateDelegation(&domain.Delegation{ID: id, From: "boss", To: to, Role: domain.RoleHNS,
					Starts: now.Add(-10 * time.Minute), Ends: now.Add(20 * time.Hour), CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ScheduleNotifications(ctx, now); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Notifications(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range rows {
			if n.Channel == domain.ChannelEmail {
				id, _ := domain.NoticeDelegation(n)
				got = append(got, n.Kind+" "+name[id]+": "+n.Address)
			}
		}
		slices.Sort(got)
		want := []string{
			"delegation.ending boss→deputy2: deputy2@example.org",
			"delegation.ending boss→deputy: deputy@example.org",
			"delegation.started boss→deputy2: deputy2@example.org",
			"delegation.started boss→deputy: deputy@example.org",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("the first sweep's delegation e-mails:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
}
