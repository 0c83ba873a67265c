package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/storage"
)

// TestRoleWebhookGetsTheRolesEvents: a role's webhook gets every event
// addressed to its role, not only the stage.* kinds: the approvers' copy
// of days closed on a booked area (area.closed) for a request whose active
// stage is the role's goes to it once, and the liaison officers' copy of
// the same change does not (docs/operations.md "Webhooks",
// docs/security.md).
func TestRoleWebhookGetsTheRolesEvents(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		at := fixedNow
		due := at.Add(72 * time.Hour)
		if err := db.InTx(ctx, func(tx domain.Tx) error {
			return tx.CreateWebhook(&domain.Webhook{ID: "w-role", Role: domain.RoleHNS, URL: "https://hooks.example/hns",
				Secret: "whsec_dGVzdA==", CreatedBy: "admin", CreatedAt: at})
		}); err != nil {
			t.Fatal(err)
		}
		r := newDraft(testID(t, 1), "NO")
		r.Status, r.Reference = domain.StatusInReview, "SE-2027-EXA-000001"
		r.Period = domain.Period{Start: day("2027-03-01"), End: day("2027-03-20")}
		r.TrainingAreas = []domain.AreaBooking{{Area: "ravlunda", From: day("2027-03-05"), To: day("2027-03-12")}}
		r.SubmittedAt, r.DueAt = &at, &due
		r.Route = &domain.Route{Stages: []domain.Stage{{ID: "hns", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive,
			ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
		createRequest(t, db, r)
		ref, err := db.Reference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fw := domain.NewFrameworkService(db, ref, func() time.Time { return at }, uuid.NewString)
		admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
		area, err := fw.TrainingArea(ctx, "ravlunda")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.SaveTrainingArea(ctx, admin, "ravlunda", area.Version, domain.AreaEdit{
			CapacityPersonnel: area.CapacityPersonnel, BlackoutDays: []time.Time{day("2027-03-10")}}); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range rows {
			if n.Channel == domain.ChannelWebhook && n.Recipient == "" {
				got = append(got, n.WebhookID+" "+n.Kind)
			}
		}
		if want := []string{"w-role " + domain.NotifyAreaClosed}; !slices.Equal(got, want) {
			t.Errorf("the role's webhook rows: %v, want %v", got, want)
		}
	})
}
