package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"exaccess/domain"
	"exaccess/storage"
)

// TestAreaClosedNotifiesBookings: an administrator who adds blackout days
// to an area tells, in the transaction of the change, each request in
// review or approved whose bookings cover a new day: the liaison officers
// of its nation, and for a request in review the holders of its active
// stage's role. A draft that books the days, a request whose bookings miss
// them, the other nation's officers and a refused change are told
// nothing; saving the same days again tells nobody twice.
func TestAreaClosedNotifiesBookings(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		at := fixedNow
		due := at.Add(72 * time.Hour)
		book := func(n int, nation string, st domain.Status, ref, from, to string) *domain.Request {
			r := newDraft(testID(t, n), nation)
			r.Status, r.Reference = st, ref
			r.Period = domain.Period{Start: day("2027-03-01"), End: day("2027-03-20")}
			r.TrainingAreas = []domain.AreaBooking{{Area: "ravlunda", From: day(from), To: day(to)}}
			if st != domain.StatusDraft {
				r.SubmittedAt = &at
				stage := domain.Stage{ID: "hns", Role: domain.RoleHNS, Order: 1, Status: domain.StageApproved, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}
				if st == domain.StatusInReview {
					stage.Status, r.DueAt = domain.StageActive, &due
				}
				r.Route = &domain.Route{Stages: []domain.Stage{stage}}
			}
			createRequest(t, db, r)
			return r
		}
		inReview := book(1, "NO", domain.StatusInReview, "SE-2027-EXA-000001", "2027-03-05", "2027-03-12")
		approved := book(2, "NO", domain.StatusApproved, "SE-2027-EXA-000002", "2027-03-09", "2027-03-15")
		draft := book(3, "NO", domain.StatusDraft, "", "2027-03-05", "2027-03-12")
		missed := book(4, "DE", domain.StatusApproved, "SE-2027-EXA-000004", "2027-03-01", "2027-03-04")

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
		closed := []time.Time{day("2027-03-10"), day("2027-03-11"), day("2027-04-01")}
		if _, err := fw.SaveTrainingArea(ctx, admin, "ravlunda", area.Version+1, domain.AreaEdit{
			CapacityPersonnel: area.CapacityPersonnel, BlackoutDays: closed}); domain.ErrorCode(err) != domain.CodePreconditionFailed {
			t.Fatalf("a stale version: %v", err)
		}
		if rows, _ := db.Notifications(ctx, inReview.ID); len(rows) != 0 {
			t.Fatalf("a refused change told %d rows", len(rows))
		}
		if _, err := fw.SaveTrainingArea(ctx, admin, "ravlunda", area.Version, domain.AreaEdit{
			CapacityPersonnel: area.CapacityPersonnel, BlackoutDays: closed}); err != nil {
			t.Fatal(err)
		}

		inbox := func(user string) []domain.InboxItem {
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: user, Reach: everyRequest, Limit: 20})
			if err != nil {
				t.Fatal(err)
			}
			return page.Items
		}
		no := inbox("lo-no")
		if len(no) != 2 {
			t.Fatalf("lo-no's inbox: %+v, want the two booked requests' notices", no)
		}
		for _, it := range no {
			if it.Kind != domain.NotifyAreaClosed || it.RequestNation != "NO" {
				t.Errorf("lo-no's item %+v", it)
			}
			switch it.RequestID {
			case inReview.ID:
				if !strings.Contains(it.Subject, "SE-2027-EXA-000001") || !strings.Contains(it.Body, "Ravlunda skjutfält is now closed (blackout) on 10–11 March 2027") ||
					strings.Contains(it.Body, "permit") || strings.Contains(it.Body, "April") {
					t.Errorf("the request in review's notice: %q\n%s", it.Subject, it.Body)
				}
			case approved.ID:
				if !strings.Contains(it.Body, "on 10–11 March 2027, days that your request SE-2027-EXA-000002 books") ||
					!strings.Contains(it.Body, "Its permit, signed at approval, still lists these days") ||
					!strings.Contains(it.Body, "Permit page: /requests/"+approved.ID+"/permit") {
					t.Errorf("the approved request's notice: %q\n%s", it.Subject, it.Body)
				}
			default:
				t.Errorf("lo-no is told of request %s", it.RequestID)
			}
		}
		hns := inbox("hns")
		if len(hns) != 1 || hns[0].RequestID != inReview.ID || hns[0].Kind != domain.NotifyAreaClosed ||
			!strings.Contains(hns[0].Body, "waiting for your role's decision in") {
			t.Errorf("the active stage's approver: %+v", hns)
		}
		if de := inbox("lo-de"); len(de) != 0 {
			t.Errorf("lo-de, whose request's bookings miss the days, is told: %+v", de)
		}
		for _, r := range []*domain.Request{draft, missed} {
			if rows, _ := db.Notifications(ctx, r.ID); len(rows) != 0 {
				t.Errorf("request %s (%s) is told: %+v", r.ID, r.Status, rows)
			}
		}
		mail := 0
		for _, r := range []*domain.Request{inReview, approved} {
			rows, _ := db.Notifications(ctx, r.ID)
			for _, n := range rows {
				if n.Channel == domain.ChannelEmail {
					mail++
				}
			}
		}
		if mail != 3 {
			t.Errorf("%d e-mails, want one per inbox row (lo-no twice, hns once)", mail)
		}

		// The same days again, with one more that nobody books: nothing new.
		area, _ = fw.TrainingArea(ctx, "ravlunda")
		if _, err := fw.SaveTrainingArea(ctx, admin, "ravlunda", area.Version, domain.AreaEdit{
			CapacityPersonnel: area.CapacityPersonnel, BlackoutDays: append(closed, day("2027-05-01"))}); err != nil {
			t.Fatal(err)
		}
		if got := len(inbox("lo-no")) + len(inbox("hns")); got != 3 {
			t.Errorf("%d inbox items after a change that closed no booked day, want still 3", got)
		}
	})
}
