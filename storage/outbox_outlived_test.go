package storage_test

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
)

// TestDeliveryDropsOutlivedStageNotices: a stage notice is written with
// the change or sweep that causes it, and sent later. One whose stage no
// longer needs a decision when the delivery worker claims it — the
// request was rejected after its "Review needed" was written, or the
// stage due soon was decided while the request stayed in review — is not
// sent, by e-mail or to the role's webhook, and is marked undeliverable
// with DecisionNoLongerNeededError. One whose stage is still active is
// sent: the overdue notice, and the escalation to the supervising role
// (addressed to another role than the stage's own). What a change told
// the liaison officer (submitted, rejected) is sent whatever came after.
// The inbox keeps every row, and marks as no longer needing a decision
// exactly the notices the worker withdrew (domain.StageNoticeOutlived,
// one rule for both).
func TestDeliveryDropsOutlivedStageNotices(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, role := range []domain.Role{domain.RoleHNS, domain.RoleOperations} {
				if err := tx.CreateWebhook(&domain.Webhook{ID: testID(t, 400+i), Role: role, URL: "https://" + string(role) + ".example.org/",
					Secret: "s", CreatedBy: "admin", CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// f.overdue's intake is overdue (and escalated to operations), f.soon's due soon.
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}

		// A submission activates its intake stage: "Review needed" for hns;
		// the request is rejected before the worker runs.
		at := f.now.Add(time.Minute)
		r := newDraft(testID(t, 5), "NO")
		r.Status, r.Reference, r.Version = domain.StatusInReview, "SE-2026-EXA-000005", 1
		due := at.Add(72 * time.Hour)
		r.Route = &domain.Route{PolicyVersion: "test", Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1,
			Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
		change := func(r *domain.Request, action string, at time.Time) {
			t.Helper()
			err := db.InTx(ctx, func(tx domain.Tx) error {
				if r.Version == 1 {
					if err := tx.CreateRequest(r); err != nil {
						return err
					}
				} else if err := tx.UpdateRequest(r, r.Version-1); err != nil {
					return err
				}
				if action == "" {
					return nil
				}
				return tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "test", Action: action, RequestID: r.ID, RequestVersion: r.Version})
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		change(r, domain.AuditRequestSubmitted, at)
		decidedAt := at.Add(40 * time.Millisecond)
		r.Status, r.Version = domain.StatusRejected, 2
		r.Route.Stages[0].Status = domain.StageRejected
		r.Route.Stages[0].Decisions = []domain.Decision{{ID: testID(t, 6), Stage: "intake", By: "hns", Outcome: domain.OutcomeReject, At: decidedAt}}
		change(r, domain.AuditRequestDecided, decidedAt)
		// f.soon's intake is approved and its next stage becomes active: the
		// request stays in review, but intake no longer needs hns.
		f.soon.Route.Stages[0].Status = domain.StageApproved
		f.soon.Route.Stages = append(f.soon.Route.Stages, domain.Stage{ID: "range_safety", Role: domain.RoleRange, Order: 2,
			Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &decidedAt, DueAt: &due})
		f.soon.Version++
		change(f.soon, "", decidedAt)

		sent := deliverAll(t, ctx, db, at.Add(time.Second))

		outlived := map[string]bool{r.ID + " " + domain.NotifyStageActive: true, f.soon.ID + " " + domain.NotifyStageDueSoon: true}
		stageKinds := map[string]bool{}
		var checked int
		for _, req := range []*domain.Request{f.overdue, f.soon, r} {
			rows, err := db.Notifications(ctx, req.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range rows {
				if n.Channel == domain.ChannelInbox {
					continue
				}
				checked++
				if strings.HasPrefix(n.Kind, "stage.") {
					stageKinds[n.Kind+" "+n.Channel] = true
				}
				wasSent := slices.Contains(sent, n.ID)
				if outlived[req.ID+" "+n.Kind] {
					if wasSent || n.Status != domain.DeliveryUndeliverable || n.LastError != domain.DecisionNoLongerNeededError {
						t.Errorf("%s %s to %q%s after its stage was decided: sent %v, %s (%q); want undeliverable (%q)",
							n.Kind, n.Channel, n.Address, n.Recipient, wasSent, n.Status, n.LastError, domain.DecisionNoLongerNeededError)
					}
				} else if !wasSent || n.Status != domain.DeliverySent {
					t.Errorf("%s %s of %s to %q: sent %v, %s (%q); want sent", n.Kind, n.Channel, req.Reference, n.Address,
						wasSent, n.Status, n.LastError)
				}
			}
		}
		// Every kind of stage notice is covered, on both channels.
		for _, k := range []string{domain.NotifyStageActive, domain.NotifyStageDueSoon, domain.NotifyStageOverdue, domain.NotifyStageEscalated} {
			for _, c := range []string{domain.ChannelEmail, domain.ChannelWebhook} {
				if !stageKinds[k+" "+c] {
					t.Errorf("no %s row on %s: the test covers less than it says", k, c)
				}
			}
		}
		if checked < 10 {
			t.Fatalf("checked %d rows", checked)
		}

		// The inbox: every row listed, the withdrawn notices (and only
		// they) marked as no longer needing a decision.
		for _, user := range []string{"hns", "ops"} {
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: user, Reach: domain.RequestReach{All: true}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				if it.RequestID == f.overdue.ID || it.RequestID == f.soon.ID || it.RequestID == r.ID {
					got = append(got, it.Kind+" "+it.RequestID+" "+map[bool]string{true: "outlived", false: "needed"}[it.NoLongerNeeded()])
				}
			}
			slices.Sort(got)
			want := map[string][]string{
				"hns": {domain.NotifyStageActive + " " + r.ID + " outlived", domain.NotifyStageDueSoon + " " + f.soon.ID + " outlived",
					domain.NotifyStageOverdue + " " + f.overdue.ID + " needed"},
				"ops": {domain.NotifyStageEscalated + " " + f.overdue.ID + " needed"},
			}[user]
			if !slices.Equal(got, want) {
				t.Errorf("%s's inbox:\n%s\nwant:\n%s", user, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	})
}

// TestDeliveryDropsNoticesOfAnEarlierRound: a stage notice is about one
// activation of its stage. After changes were requested and the request
// resubmitted, the same stage is active again — a new round, with a
// deadline of its own — and the old round's overdue notice and its
// escalation, still queued (held back by a mail outage, say), are
// outlived: not sent, undeliverable with DecisionNoLongerNeededError, and
// marked in the inbox as no longer needing a decision. The new round's
// own "Review needed", written at the very instant of the activation (a
// time with a fraction of a second, in another zone than UTC), is sent
// and needed.
func TestDeliveryDropsNoticesOfAnEarlierRound(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, role := range []domain.Role{domain.RoleHNS, domain.RoleOperations} {
				if err := tx.CreateWebhook(&domain.Webhook{ID: testID(t, 400+i), Role: role, URL: "https://" + string(role) + ".example.org/",
					Secret: "s", CreatedBy: "admin", CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// f.overdue's intake is overdue, and escalated to operations.
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}
		// The resubmission activates intake afresh, due in 5 days; the
		// request stays in review.
		at := f.now.Add(time.Minute + 123456*time.Microsecond) // the services' clock: microseconds
		due := at.Add(5 * 24 * time.Hour)
		r := f.overdue
		r.Route.Stages[0].ActivatedAt, r.Route.Stages[0].DueAt = &at, &due
		r.Version++
		err = db.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.UpdateRequest(r, r.Version-1); err != nil {
				return err
			}
			return tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "lo-no", Action: domain.AuditRequestSubmitted,
				RequestID: r.ID, RequestVersion: r.Version})
		})
		if err != nil {
			t.Fatal(err)
		}

		sent := deliverAll(t, ctx, db, at.Add(time.Second))

		outlived := map[string]bool{domain.NotifyStageOverdue: true, domain.NotifyStageEscalated: true}
		kinds := map[string]bool{}
		rows, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range rows {
			if n.Channel == domain.ChannelInbox {
				continue
			}
			kinds[n.Kind+" "+n.Channel] = true
			wasSent := slices.Contains(sent, n.ID)
			if outlived[n.Kind] {
				if wasSent || n.Status != domain.DeliveryUndeliverable || n.LastError != domain.DecisionNoLongerNeededError {
					t.Errorf("%s %s to %q of the earlier round: sent %v, %s (%q); want undeliverable (%q)",
						n.Kind, n.Channel, n.Address, wasSent, n.Status, n.LastError, domain.DecisionNoLongerNeededError)
				}
			} else if !wasSent || n.Status != domain.DeliverySent {
				t.Errorf("%s %s to %q: sent %v, %s (%q); want sent", n.Kind, n.Channel, n.Address, wasSent, n.Status, n.LastError)
			}
		}
		for _, k := range []string{domain.NotifyStageActive, domain.NotifyStageOverdue, domain.NotifyStageEscalated} {
			for _, c := range []string{domain.ChannelEmail, domain.ChannelWebhook} {
				if !kinds[k+" "+c] {
					t.Errorf("no %s row on %s: the test covers less than it says", k, c)
				}
			}
		}

		for _, user := range []string{"hns", "ops"} {
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: user, Reach: domain.RequestReach{All: true}, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				if it.RequestID == r.ID {
					got = append(got, it.Kind+" "+map[bool]string{true: "outlived", false: "needed"}[it.NoLongerNeeded()])
				}
			}
			slices.Sort(got)
			want := map[string][]string{
				"hns": {domain.NotifyStageActive + " needed", domain.NotifyStageOverdue + " outlived"},
				"ops": {domain.NotifyStageEscalated + " outlived"},
			}[user]
			if !slices.Equal(got, want) {
				t.Errorf("%s's inbox:\n%s\nwant:\n%s", user, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	})
}

// deliverAll runs the real delivery worker at now until it claims nothing
// more (at most ten rounds), and returns the ids of the notifications it
// sent, by e-mail or webhook.
func deliverAll(t *testing.T, ctx context.Context, db *storage.DB, now time.Time) []string {
	t.Helper()
	var mu sync.Mutex
	var sent []string
	record := func(_ context.Context, n domain.Notification) error {
		mu.Lock()
		defer mu.Unlock()
		sent = append(sent, n.ID)
		return nil
	}
	w := &notify.Worker{Outbox: db, Now: func() time.Time { return now },
		Email: senderFunc(record), Webhook: senderFunc(record)}
	for i := 0; ; i++ {
		n, err := w.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return sent
		}
		if i == 10 {
			t.Fatal("the worker still claims rows after 10 rounds")
		}
	}
}
