package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/notify"
)

// Check-then-act races on PostgreSQL (READ COMMITTED), each shown by
// holding one transaction open right after a read (pauseStore) while
// another runs: serially the two always meet, at once they must too.
// SQLite's single writer runs transactions one after the other, so these
// tests run on PostgreSQL only (postgresOnly).

// TestRaceLiaisonNoticeAfterAccountChange: an approver's decision on a
// Norwegian request queues its outcome e-mail to Norway's liaison
// officers while an administrator disables lo-no, moves them to Germany or
// gives them a new address. Serially lo-no never gets it at the old
// powers (disable first: not in the audience; decision first: the
// change's withdrawal or readdressing reaches the row). At once on
// PostgreSQL the change's withdrawal cannot see the decision's row, not
// yet committed: the delivery worker's check (domain.StillAddressed)
// keeps it from a disabled account or one of another nation, and sends it
// to the account's address at delivery.
func TestRaceLiaisonNoticeAfterAccountChange(t *testing.T) {
	for _, c := range []struct{ name, change string }{
		{"serial-disable", "disable"}, {"concurrent-disable", "disable"}, {"concurrent-move-to-DE", "move"},
		{"concurrent-new-address", "email"},
	} {
		t.Run(c.name, func(t *testing.T) {
			db := postgresOnly(t)
			ctx := context.Background()
			f := seedSchedule(t, db)
			at := f.now.Add(time.Minute)
			r := newDraft(testID(t, 5), "NO")
			r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
			due := at.Add(72 * time.Hour)
			r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
				Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
			createRequest(t, db, r)
			ref, err := db.Reference(ctx)
			if err != nil {
				t.Fatal(err)
			}
			lo, err := db.GetUserByUsername(ctx, "lo-no")
			if err != nil {
				t.Fatal(err)
			}
			us := domain.NewUserService(db, ref, func() time.Time { return at.Add(time.Second) }, func() string { return testID(t, 902) })
			change := func() error {
				var err error
				switch c.change {
				case "email":
					e := "new-lo-no@example.org"
					_, err = us.Change(ctx, "admin", lo.ID, lo.Version, domain.UserChange{Email: &e, Reason: "old address belongs to someone else"})
				case "move":
					de := "DE"
					_, err = us.Change(ctx, "admin", lo.ID, lo.Version, domain.UserChange{Nation: &de, Reason: "moved to the German cell"})
				default:
					_, err = us.SetDisabled(ctx, "admin", lo.ID, true, "left the unit")
				}
				return err
			}
			ps := &pauseStore{DB: db}
			svc := domain.NewApprovalService(ps, ref, func() time.Time { return at }, func() string { return testID(t, 903) })
			decide := func() error {
				_, err := svc.Decide(ctx, domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}, r.ID, r.Version,
					domain.DecisionInput{Stage: "intake", Outcome: domain.OutcomeApprove})
				return err
			}
			if c.name == "serial-disable" {
				if err := decide(); err != nil {
					t.Fatal(err)
				}
				if err := change(); err != nil {
					t.Fatal(err)
				}
			} else {
				// The decision pauses once its audit entry and outbox rows
				// are written, not committed; the change withdraws (seeing
				// nothing), then waits for the audit counter.
				errDecide, errChange, _ := runAgainst(t, db, ps, "AppendAudit", decide, change)
				if errDecide != nil || errChange != nil {
					t.Fatal(errDecide, errChange)
				}
			}
			after, err := db.GetUserByUsername(ctx, "lo-no")
			if err != nil {
				t.Fatal(err)
			}
			var sent []string
			w := &notify.Worker{Outbox: db, Now: func() time.Time { return at.Add(2 * time.Second) },
				Email: senderFunc(func(_ context.Context, n domain.Notification) error {
					sent = append(sent, n.Kind+"→"+n.Address)
					return nil
				})}
			for {
				k, err := w.RunOnce(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if k == 0 {
					break
				}
			}
			rows, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, n := range rows {
				if n.Recipient != lo.ID || n.Channel != domain.ChannelEmail || n.Kind != domain.NotifyApproved {
					continue
				}
				seen++
				t.Logf("lo-no's %s e-mail to %s: %s %q", n.Kind, n.Address, n.Status, n.LastError)
				switch {
				case after.Disabled() || after.Nation != "NO":
					if n.Status == domain.DeliverySent {
						t.Errorf("%s e-mail about Norwegian request %s sent to lo-no (disabled %v, nation %s)",
							n.Kind, r.Reference, after.Disabled(), after.Nation)
					}
				case n.Status != domain.DeliverySent || n.Address != after.Email:
					t.Errorf("%s e-mail %s to %s, want sent to lo-no's address now, %s", n.Kind, n.Status, n.Address, after.Email)
				}
			}
			if seen != 1 {
				t.Errorf("%d request.approved e-mails to lo-no, want 1", seen)
			}
			t.Logf("sent %v", sent)
		})
	}
}
