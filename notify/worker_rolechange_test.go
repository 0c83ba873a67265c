package notify_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
	"exaccess/storage/storagetest"
)

// TestRoleChangeWithdrawsOnlyWhatItTakesAway: an administrator's change of
// an account's roles (nation kept, account enabled) withdraws only the
// queued notices of the roles the account no longer receives. Before,
// any change of the role list withdrew every queued e-mail and webhook
// row of the account: hns given range_officer as well lost its "Review
// needed" of hns_officer, which it still holds.
func TestRoleChangeWithdrawsOnlyWhatItTakesAway(t *testing.T) {
	const (
		sent    = domain.DeliverySent
		changed = domain.DeliveryUndeliverable + " (" + domain.AccessChangedError + ")"
	)
	lines := func(ls ...string) string { slices.Sort(ls); return strings.Join(ls, "\n") }
	cases := []struct {
		name          string
		deputyAlsoHNS bool
		user          string
		roles         []domain.Role
		email         string // a new address given with the roles
		want          string
	}{{
		// A role added: everything still goes.
		name: "hns given range_officer as well", user: "u-hns", roles: []domain.Role{domain.RoleHNS, domain.RoleRange},
		want: lines("deputy email "+sent, "deputy webhook "+sent, "hns email "+sent, "lo0 email "+sent, "role webhook "+sent),
	}, {
		// A role added with a new address: the mail goes to the new one.
		name: "hns given range_officer and a new address", user: "u-hns", roles: []domain.Role{domain.RoleHNS, domain.RoleRange},
		email: "hns-new@example.org",
		want:  lines("deputy email "+sent, "deputy webhook "+sent, "hns email "+sent, "lo0 email "+sent, "role webhook "+sent),
	}, {
		// A role removed that the account still receives by a delegation
		// that runs: its notices of the role still go.
		name: "deputy's own hns_officer removed, delegated still", deputyAlsoHNS: true, user: "u-deputy",
		roles: []domain.Role{domain.RoleRange},
		want:  lines("deputy email "+sent, "deputy webhook "+sent, "hns email "+sent, "lo0 email "+sent, "role webhook "+sent),
	}, {
		// A role removed and another given: the removed role's notices
		// are withdrawn (and, the delegation of it lapsing, the
		// delegate's), nothing else.
		name: "hns made range_officer instead", user: "u-hns", roles: []domain.Role{domain.RoleRange},
		want: lines("deputy email "+domain.DeliveryUndeliverable+" ("+domain.DelegationLapsedError+")",
			"deputy webhook "+domain.DeliveryUndeliverable+" ("+domain.DelegationLapsedError+")",
			"hns email "+changed, "lo0 email "+sent, "role webhook "+sent),
	}}
	for _, c := range cases {
		for _, d := range storagetest.Databases(t) {
			t.Run(c.name+"/"+d.Name, func(t *testing.T) {
				db := storagetest.Open(t, d.DSN)
				seedStageNotices(t, db, c.deputyAlsoHNS)
				ctx := context.Background()
				svc := domain.NewUserService(db, nil, func() time.Time { return t0 }, func() string { return "id" })
				u, err := db.GetUser(ctx, c.user)
				if err != nil {
					t.Fatal(err)
				}
				ch := domain.UserChange{Roles: &c.roles}
				if c.email != "" {
					ch.Email = &c.email
				}
				if _, err := svc.Change(ctx, "admin", c.user, u.Version, ch); err != nil {
					t.Fatal(err)
				}
				var mu sync.Mutex
				to := map[string]string{}
				send := senderFunc(func(_ context.Context, n domain.Notification) error {
					mu.Lock()
					defer mu.Unlock()
					to[n.Recipient+" "+n.Channel] = n.Address
					return nil
				})
				w := &notify.Worker{Outbox: db, Email: send, Webhook: send, Now: func() time.Time { return t0.Add(time.Minute) }}
				if _, err := w.RunOnce(ctx); err != nil {
					t.Fatal(err)
				}
				if got := outboxRows(t, db); got != c.want {
					t.Errorf("outbox:\n%s\nwant:\n%s", got, c.want)
				}
				if c.email != "" && to[c.user+" email"] != c.email {
					t.Errorf("%s's e-mail went to %q, want the new address %q", c.user, to[c.user+" email"], c.email)
				}
			})
		}
	}
}
