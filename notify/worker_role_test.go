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

// seedStageNotices stores a liaison officer of NO (lo0), hns (hns_officer)
// and deputy (range_officer, with a webhook of their own), a webhook
// registered for hns_officer, and hns's delegation of hns_officer to
// deputy from t0-1h to t0+1h; then it submits one request whose intake
// stage (hns_officer) becomes active at t0. The outbox then holds, besides
// inbox rows: lo0's receipt (no role), the stage's e-mail to hns, its
// e-mail and webhook to deputy through the delegation, and the role's
// webhook (no recipient). deputyAlsoHNS gives deputy hns_officer directly
// as well.
func seedStageNotices(t testing.TB, db *storage.DB, deputyAlsoHNS bool) {
	t.Helper()
	ctx := context.Background()
	deputyRoles := []domain.Role{domain.RoleRange}
	if deputyAlsoHNS {
		deputyRoles = append(deputyRoles, domain.RoleHNS)
	}
	err := db.InTx(ctx, func(tx domain.Tx) error {
		for _, u := range []domain.User{
			{ID: "u-lo0", Username: "lo0", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
			{ID: "u-hns", Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
			{ID: "u-deputy", Username: "deputy", Roles: deputyRoles},
		} {
			u.Email, u.CreatedAt, u.UpdatedAt = u.Username+"@example.org", t0, t0
			if err := tx.CreateUser(&u); err != nil {
				return err
			}
		}
		for _, w := range []domain.Webhook{
			{ID: "w-deputy", UserID: "u-deputy", URL: "https://hooks.example/deputy"},
			{ID: "w-hns-role", Role: domain.RoleHNS, URL: "https://hooks.example/hns"},
		} {
			w.Secret, w.CreatedBy, w.CreatedAt = "whsec_test", "admin", t0
			if err := tx.CreateWebhook(&w); err != nil {
				return err
			}
		}
		return tx.CreateDelegation(&domain.Delegation{ID: "d1", From: "hns", To: "deputy", Role: domain.RoleHNS,
			Starts: t0.Add(-time.Hour), Ends: t0.Add(time.Hour), CreatedAt: t0})
	})
	if err != nil {
		t.Fatal(err)
	}
	activated, due := t0, t0.Add(72*time.Hour)
	err = db.InTx(ctx, func(tx domain.Tx) error {
		r := &domain.Request{ID: "r000", Status: domain.StatusInReview, Version: 1, Nation: "NO",
			Reference: "SE-2026-EXA-000001", CreatedBy: "lo0", CreatedAt: t0, UpdatedAt: t0,
			Details: domain.Details{ExerciseName: "E", Period: domain.Period{Start: t0, End: t0.AddDate(0, 0, 5)}},
			Route: &domain.Route{Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Status: domain.StageActive,
				ApprovalsRequired: 1, ActivatedAt: &activated, DueAt: &due}}}}
		if err := tx.CreateRequest(r); err != nil {
			return err
		}
		return tx.AppendAudit(&domain.AuditEntry{At: t0, Actor: "lo0", Action: domain.AuditRequestSubmitted,
			RequestID: r.ID, RequestVersion: 1})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// changeAccount writes an account row as another process would, without
// the service's step that withdraws the account's queued rows (a change
// racing a stage activation on PostgreSQL, or one made behind the
// service's back).
func changeAccount(t testing.TB, db *storage.DB, username string, change func(u *domain.User)) {
	t.Helper()
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		u, err := tx.GetUserByUsername(username, true)
		if err != nil {
			return err
		}
		change(u)
		u.Version++
		return tx.UpdateUser(u, u.Version-1)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// outboxRows lists request r000's e-mail and webhook rows as
// "recipient channel status", sorted, the recipient's username ("role"
// for the role's webhook); an undeliverable row adds its last error.
func outboxRows(t *testing.T, db *storage.DB) string {
	t.Helper()
	rows, err := db.Notifications(context.Background(), "r000")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range rows {
		if n.Channel == domain.ChannelInbox {
			continue
		}
		who := strings.TrimPrefix(n.Recipient, "u-")
		if who == "" {
			who = "role"
		}
		s := who + " " + n.Channel + " " + n.Status
		if n.Status == domain.DeliveryUndeliverable {
			s += " (" + n.LastError + ")"
		}
		out = append(out, s)
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

// TestWorkerChecksTheRoleAtDelivery: the stage notices queued to a role's
// holders and delegates wait (the mail server was down) while the
// recipient's hold on the role ends by a path that withdraws nothing — the
// delegation simply reaches its end, or the account row is changed
// directly, as by a change racing the stage activation. At delivery the
// worker sends none of them to a recipient who no longer receives the
// role, and records why; a delegate who holds the role directly as well
// and the role's own webhook (no recipient) go out as before. The liaison
// officer's receipt (no role) goes while the account is enabled and of
// the request's nation, to the account's address at delivery.
func TestWorkerChecksTheRoleAtDelivery(t *testing.T) {
	const (
		sent = domain.DeliverySent
		gone = domain.DeliveryUndeliverable + " (" + domain.RoleNotHeldError + ")"
	)
	lines := func(ls ...string) string { slices.Sort(ls); return strings.Join(ls, "\n") }
	for _, c := range []struct {
		name          string
		deputyAlsoHNS bool
		change        func(t *testing.T, db *storage.DB)
		at            time.Time
		want          string
		to            string // a delivery that must be among those made
	}{
		{name: "nothing changed", at: t0.Add(time.Minute), want: lines("lo0 email "+sent, "hns email "+sent,
			"deputy email "+sent, "deputy webhook "+sent, "role webhook "+sent)},
		{name: "the delegation ended", at: t0.Add(2 * time.Hour), want: lines("lo0 email "+sent, "hns email "+sent,
			"deputy email "+gone, "deputy webhook "+gone, "role webhook "+sent)},
		{name: "the delegation ended, the delegate holds the role too", deputyAlsoHNS: true, at: t0.Add(2 * time.Hour),
			want: lines("lo0 email "+sent, "hns email "+sent, "deputy email "+sent, "deputy webhook "+sent, "role webhook "+sent)},
		{name: "the holder was disabled directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "hns", func(u *domain.User) { at := t0; u.DisabledAt = &at })
			},
			// The delegation stopped counting with its delegator.
			want: lines("lo0 email "+sent, "hns email "+gone, "deputy email "+gone, "deputy webhook "+gone, "role webhook "+sent)},
		{name: "the holder lost the role directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "hns", func(u *domain.User) { u.Roles = []domain.Role{domain.RoleMinistry} })
			},
			want: lines("lo0 email "+sent, "hns email "+gone, "deputy email "+gone, "deputy webhook "+gone, "role webhook "+sent)},
		{name: "the delegate was disabled directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "deputy", func(u *domain.User) { at := t0; u.DisabledAt = &at })
			},
			want: lines("lo0 email "+sent, "hns email "+sent, "deputy email "+gone, "deputy webhook "+gone, "role webhook "+sent)},
		// The liaison officer's receipt is addressed to no role: it goes
		// while the account is enabled and may see the request, to its
		// address at delivery.
		{name: "the liaison officer was disabled directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "lo0", func(u *domain.User) { at := t0; u.DisabledAt = &at })
			},
			want: lines("lo0 email "+domain.DeliveryUndeliverable+" ("+domain.RecipientDisabledError+")", "hns email "+sent,
				"deputy email "+sent, "deputy webhook "+sent, "role webhook "+sent)},
		{name: "the liaison officer moved to another nation directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "lo0", func(u *domain.User) { u.Nation = "DE" })
			},
			want: lines("lo0 email "+domain.DeliveryUndeliverable+" ("+domain.RequestNotVisibleError+")", "hns email "+sent,
				"deputy email "+sent, "deputy webhook "+sent, "role webhook "+sent)},
		{name: "the liaison officer's address changed directly", at: t0.Add(time.Minute),
			change: func(t *testing.T, db *storage.DB) {
				changeAccount(t, db, "lo0", func(u *domain.User) { u.Email = "lo0-new@example.org" })
			},
			want: lines("lo0 email "+sent, "hns email "+sent, "deputy email "+sent, "deputy webhook "+sent, "role webhook "+sent),
			to:   "email lo0-new@example.org"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, d := range storagetest.Databases(t) {
				t.Run(d.Name, func(t *testing.T) {
					db := storagetest.Open(t, d.DSN)
					seedStageNotices(t, db, c.deputyAlsoHNS)
					if c.change != nil {
						c.change(t, db)
					}
					var mu sync.Mutex
					var got []string
					send := senderFunc(func(_ context.Context, n domain.Notification) error {
						mu.Lock()
						defer mu.Unlock()
						got = append(got, n.Channel+" "+n.Address)
						return nil
					})
					w := &notify.Worker{Outbox: db, Email: send, Webhook: send, Now: func() time.Time { return c.at }}
					if _, err := w.RunOnce(context.Background()); err != nil {
						t.Fatal(err)
					}
					if rows := outboxRows(t, db); rows != c.want {
						t.Errorf("rows:\n%s\nwant:\n%s", rows, c.want)
					}
					if want := strings.Count(c.want, sent); len(got) != want {
						t.Errorf("%d deliveries %v, want %d", len(got), got, want)
					}
					if c.to != "" && !slices.Contains(got, c.to) {
						t.Errorf("deliveries %v, want %q among them", got, c.to)
					}
					if c.to != "" {
						rows, _ := db.Notifications(context.Background(), "r000")
						for _, n := range rows {
							if n.Recipient == "u-lo0" && n.Channel == domain.ChannelEmail && n.Address != strings.TrimPrefix(c.to, "email ") {
								t.Errorf("lo0's row records address %q, want the one it went to", n.Address)
							}
						}
					}
				})
			}
		})
	}
}
