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
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// seedDelegationNotices stores hns and hns2 (hns_officer) and deputy
// (range_officer, with a webhook of their own), hns's delegation d1 of
// hns_officer to deputy from t0-1h to t0+10h and hns2's d2 from t0-1h to
// t0+20h; then it runs the reminder sweep at t0, which queues to deputy,
// for each delegation, that it started and that it ends within the day,
// by e-mail and webhook (and in the inbox).
func seedDelegationNotices(t testing.TB, db *storage.DB) {
	t.Helper()
	ctx := context.Background()
	err := db.InTx(ctx, func(tx domain.Tx) error {
		for _, u := range []domain.User{
			{ID: "u-hns", Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
			{ID: "u-hns2", Username: "hns2", Roles: []domain.Role{domain.RoleHNS}},
			{ID: "u-deputy", Username: "deputy", Roles: []domain.Role{domain.RoleRange}},
		} {
			u.Email, u.CreatedAt, u.UpdatedAt = u.Username+"@example.org", t0, t0
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		w := domain.Webhook{ID: "w-deputy", UserID: "u-deputy", URL: "https://hooks.example/deputy", Secret: "whsec_test",
			CreatedBy: "deputy", CreatedAt: t0}
		if err := tx.CreateWebhook(&w); err != nil {
			return err
		}
		for _, d := range []domain.Delegation{
			{ID: "d1", From: "hns", To: "deputy", Role: domain.RoleHNS, Starts: t0.Add(-time.Hour), Ends: t0.Add(10 * time.Hour), CreatedAt: t0},
			{ID: "d2", From: "hns2", To: "deputy", Role: domain.RoleHNS, Starts: t0.Add(-time.Hour), Ends: t0.Add(20 * time.Hour), CreatedAt: t0},
		} {
			if err := tx.CreateDelegation(&d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.ScheduleNotifications(ctx, t0); err != nil || n != 4 {
		t.Fatalf("the sweep wrote %d notices (%v), want 4", n, err)
	}
}

// delegationRows lists deputy's e-mail and webhook rows about delegations
// as "delegation kind channel status", sorted; an undeliverable row adds
// its last error.
func delegationRows(t *testing.T, db *storage.DB) string {
	t.Helper()
	rows, err := db.Notifications(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range rows {
		id, ok := domain.NoticeDelegation(n)
		if !ok || n.Channel == domain.ChannelInbox {
			continue
		}
		s := id + " " + strings.TrimPrefix(n.Kind, "delegation.") + " " + n.Channel + " " + n.Status
		if n.Status == domain.DeliveryUndeliverable {
			s += " (" + n.LastError + ")"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// TestWorkerChecksTheDelegationAtDelivery: the notices to the deputy that
// two delegations started and end soon wait (the mail server was down)
// while one delegation stops running by a path that withdraws nothing: it
// simply ends, or its row is revoked, or its delegator's account changed,
// behind the service's back (as by a change racing the sweep on
// PostgreSQL). At delivery the worker sends none of that delegation's
// notices, and records why; the other delegation's go out.
func TestWorkerChecksTheDelegationAtDelivery(t *testing.T) {
	const sent = domain.DeliverySent
	gone := domain.DeliveryUndeliverable + " (" + domain.DelegationNotRunningError + ")"
	d1 := func(status string) []string {
		return []string{"d1 ending email " + status, "d1 ending webhook " + status, "d1 started email " + status, "d1 started webhook " + status}
	}
	d2 := []string{"d2 ending email " + sent, "d2 ending webhook " + sent, "d2 started email " + sent, "d2 started webhook " + sent}
	lines := func(ls ...[]string) string {
		all := slices.Concat(ls...)
		slices.Sort(all)
		return strings.Join(all, "\n")
	}
	for _, c := range []struct {
		name   string
		change func(t *testing.T, db *storage.DB)
		at     time.Time
		want   string
	}{
		{name: "nothing changed", at: t0.Add(time.Minute), want: lines(d1(sent), d2)},
		{name: "the delegation ended", at: t0.Add(15 * time.Hour), want: lines(d1(gone), d2)},
		{name: "the delegation was revoked behind the withdrawal", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.RevokeDelegation("d1", t0) }); err != nil {
					t.Fatal(err)
				}
			},
			want: lines(d1(gone), d2)},
		{name: "the delegator lost the role directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "hns", func(u *domain.User) { u.Roles = []domain.Role{domain.RoleMinistry} })
			},
			want: lines(d1(gone), d2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range storagetest.Databases(t) {
				t.Run(d.Name, func(t *testing.T) {
					db := storagetest.Open(t, d.DSN)
					seedDelegationNotices(t, db)
					if before, want := delegationRows(t, db), strings.ReplaceAll(lines(d1(sent), d2), sent, domain.DeliveryQueued); before != want {
						t.Fatalf("rows before delivery:\n%s\nwant:\n%s", before, want)
					}
					if c.change != nil {
						c.change(t, db)
					}
					var mu sync.Mutex
					var got []string
					send := senderFunc(func(_ context.Context, n domain.Notification) error {
						mu.Lock()
						defer mu.Unlock()
						got = append(got, n.Channel+" "+n.Subject)
						return nil
					})
					w := &notify.Worker{Outbox: db, Email: send, Webhook: send, Now: func() time.Time { return c.at }}
					if _, err := w.RunOnce(context.Background()); err != nil {
						t.Fatal(err)
					}
					if rows := delegationRows(t, db); rows != c.want {
						t.Errorf("rows:\n%s\nwant:\n%s", rows, c.want)
					}
					if want := strings.Count(c.want, " "+sent); len(got) != want {
						t.Errorf("%d deliveries %v, want %d", len(got), got, want)
					}
				})
			}
		})
	}
}
