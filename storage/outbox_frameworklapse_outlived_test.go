package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/storage"
)

// TestFrameworkLapseNoticeOutlived: the approvers' copy of a
// framework.no_longer_covered notice asks the role of an active stage to
// request changes, so it is a stage notice: once that stage no longer
// needs a decision — the request returned for changes (and resubmitted,
// a new round), or the stage decided while the request stays in review —
// its e-mail and webhook still queued are not sent (undeliverable, with
// DecisionNoLongerNeededError) and the inbox marks it "No longer needs
// your decision", as it marks the same round's "Review needed". The
// liaison officers' copy (addressed to no role) asks no decision: it is
// sent, and never marked while the request is in review. A request whose
// stage still waits keeps the approvers' copy needed, and sends it.
func TestFrameworkLapseNoticeOutlived(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		at := fixedNow
		due := at.Add(72 * time.Hour)
		roleHook := testID(t, 400)
		err := db.InTx(ctx, func(tx domain.Tx) error {
			return tx.CreateWebhook(&domain.Webhook{ID: roleHook, Role: domain.RoleHNS, URL: "https://hns.example.org/",
				Secret: "s", CreatedBy: "admin", CreatedAt: fixedNow})
		})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := db.Reference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fws := domain.NewFrameworkService(db, ref, func() time.Time { return at }, uuid.NewString)
		admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
		fw, err := fws.Create(ctx, admin, domain.FrameworkTerms{Nation: "NO", Name: "Norwegian units", Reference: "FA-NO-2027-01",
			ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen"}, PersonnelCeiling: 800})
		if err != nil {
			t.Fatal(err)
		}
		book := func(n int) *domain.Request {
			r := newDraft(testID(t, n), "NO")
			r.Status, r.Reference, r.SubmittedAt, r.DueAt, r.FrameworkID = domain.StatusInReview, fmt.Sprintf("SE-2027-EXA-%06d", n), &at, &due, fw.ID
			r.Period = domain.Period{Start: day("2027-03-01"), End: day("2027-03-20")}
			r.TrainingAreas = []domain.AreaBooking{{Area: "kilen", From: day("2027-03-05"), To: day("2027-03-12")}}
			r.Route = &domain.Route{FastTrack: true, Stages: []domain.Stage{
				{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due},
				{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1}}}
			createRequest(t, db, r)
			return r
		}
		returned, decided, waiting := book(1), book(2), book(3)

		// The agreement is suspended: each request's officers and its
		// intake's role are told.
		cur, err := fws.Get(ctx, admin, fw.ID)
		if err != nil {
			t.Fatal(err)
		}
		next := cur.FrameworkTerms
		next.Suspended = true
		if _, err := fws.Update(ctx, admin, fw.ID, cur.Version, next); err != nil {
			t.Fatal(err)
		}

		update := func(r *domain.Request) {
			t.Helper()
			r.Version++
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateRequest(r, r.Version-1) }); err != nil {
				t.Fatal(err)
			}
		}
		// hns requests changes on one; approves the intake of another,
		// which stays in review at its next stage.
		later := at.Add(time.Minute)
		returned.Status = domain.StatusChangesRequested
		returned.Route.Stages[0].Status = domain.StageChangesRequested
		update(returned)
		decided.Route.Stages[0].Status = domain.StageApproved
		decided.Route.Stages[1].Status, decided.Route.Stages[1].ActivatedAt, decided.Route.Stages[1].DueAt = domain.StageActive, &later, &due
		update(decided)

		sent := deliverAll(t, ctx, db, later.Add(time.Second))

		outlived := map[string]bool{returned.ID: true, decided.ID: true}
		channels := map[string]bool{}
		for _, r := range []*domain.Request{returned, decided, waiting} {
			rows, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range rows {
				if n.Channel == domain.ChannelInbox || n.Kind != domain.NotifyFrameworkLapsed {
					continue
				}
				channels[string(n.AudienceRole)+" "+n.Channel] = true
				if n.Recipient == "" {
					// The role's own webhook hears the approvers' copy
					// (docs/operations.md "Webhooks"), never the officers'.
					channels["role webhook "+string(n.AudienceRole)+" "+n.WebhookID] = true
				}
				wasSent := slices.Contains(sent, n.ID)
				if n.AudienceRole != "" && outlived[r.ID] {
					if wasSent || n.Status != domain.DeliveryUndeliverable || n.LastError != domain.DecisionNoLongerNeededError {
						t.Errorf("%s %s to %q of %s after its stage no longer needed a decision: sent %v, %s (%q); want undeliverable (%q)",
							n.Kind, n.Channel, n.Address, r.Reference, wasSent, n.Status, n.LastError, domain.DecisionNoLongerNeededError)
					}
				} else if !wasSent || n.Status != domain.DeliverySent {
					t.Errorf("%s %s to %q (role %q) of %s: sent %v, %s (%q); want sent",
						n.Kind, n.Channel, n.Address, n.AudienceRole, r.Reference, wasSent, n.Status, n.LastError)
				}
			}
		}
		hns := string(domain.RoleHNS) + " "
		if channels["role webhook  "+roleHook] {
			t.Error("the role's webhook got the liaison officers' copy")
		}
		for _, c := range []string{" " + domain.ChannelEmail, hns + domain.ChannelEmail, hns + domain.ChannelWebhook,
			"role webhook " + hns + roleHook} {
			if !channels[c] {
				t.Errorf("no notice %q: the test covers less than it says", c)
			}
		}

		lapsed := func(user string) []string {
			t.Helper()
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: user, Reach: everyRequest, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				if it.Kind == domain.NotifyFrameworkLapsed {
					got = append(got, it.RequestID+" "+map[bool]string{true: "outlived", false: "needed"}[it.NoLongerNeeded()])
				}
			}
			slices.Sort(got)
			return got
		}
		check := func(when string) {
			t.Helper()
			want := map[string][]string{
				"hns":   {returned.ID + " outlived", decided.ID + " outlived", waiting.ID + " needed"},
				"lo-no": {returned.ID + " needed", decided.ID + " needed", waiting.ID + " needed"},
			}
			for _, user := range []string{"hns", "lo-no"} {
				if got := lapsed(user); !slices.Equal(got, want[user]) {
					t.Errorf("%s's no_longer_covered notices %s:\n%s\nwant:\n%s", user, when,
						strings.Join(got, "\n"), strings.Join(want[user], "\n"))
				}
			}
		}
		check("once changes were requested")

		// lo-no resubmits the returned request, now on the normal route: a
		// new round of its intake.
		resubmitted := later.Add(time.Minute)
		resubmittedDue := resubmitted.Add(72 * time.Hour)
		returned.Status = domain.StatusInReview
		returned.Route.FastTrack = false
		returned.Route.Stages[0].Status, returned.Route.Stages[0].ActivatedAt, returned.Route.Stages[0].DueAt =
			domain.StageActive, &resubmitted, &resubmittedDue
		update(returned)

		check("after the resubmission")
	})
}
