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

// TestFrameworkLapseNotifies: an administrator who changes a framework
// agreement so that it stops covering requests in review on its fast track
// tells, in the transaction of the change, each such request's liaison
// officers and the holders of its active stages' roles (not those of a
// stage still pending): which request, which agreement, why (areas by
// name) and what happens now. A change that leaves every request covered,
// a request on the normal route or approved, and the officers of another
// nation — even the one the agreement moves to — are told nothing; a
// later change that leaves a request still uncovered tells it nothing
// again; and the change has one audit entry.
func TestFrameworkLapseNotifies(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		rng := domain.User{ID: testID(t, 110), Username: "range", Email: "range@example.org", Roles: []domain.Role{domain.RoleRange},
			CreatedAt: fixedNow, UpdatedAt: fixedNow}
		if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(&rng) }); err != nil {
			t.Fatal(err)
		}
		at := fixedNow
		due := at.Add(72 * time.Hour)
		ref, err := db.Reference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fws := domain.NewFrameworkService(db, ref, func() time.Time { return at }, uuid.NewString)
		admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
		terms := domain.FrameworkTerms{Nation: "NO", Name: "Norwegian units", Reference: "FA-NO-2027-01",
			ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen", "arvidsjaur"},
			EntryPoints: []string{"storlien"}, PersonnelCeiling: 800}
		fw, err := fws.Create(ctx, admin, terms)
		if err != nil {
			t.Fatal(err)
		}
		other, err := fws.Create(ctx, admin, domain.FrameworkTerms{Nation: "DE", Name: "German units", Reference: "FA-DE-2027-01",
			ValidFrom: day("2027-01-01"), ValidUntil: day("2027-12-31"), TrainingAreas: []string{"kilen"}, PersonnelCeiling: 800})
		if err != nil {
			t.Fatal(err)
		}

		book := func(n int, nation, framework string, fast bool, st domain.Status, ref, area string) *domain.Request {
			r := newDraft(testID(t, n), nation)
			r.Status, r.Reference, r.SubmittedAt, r.DueAt, r.FrameworkID = st, ref, &at, &due, framework
			r.Period = domain.Period{Start: day("2027-03-01"), End: day("2027-03-20")}
			r.TrainingAreas = []domain.AreaBooking{{Area: area, From: day("2027-03-05"), To: day("2027-03-12")}}
			intake := domain.Stage{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}
			safety := domain.Stage{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1}
			if st == domain.StatusApproved {
				intake.Status, safety.Status = domain.StageApproved, domain.StageApproved
			}
			r.Route = &domain.Route{FastTrack: fast, Stages: []domain.Stage{intake, safety}}
			createRequest(t, db, r)
			return r
		}
		kilen := book(1, "NO", fw.ID, true, domain.StatusInReview, "SE-2027-EXA-000001", "kilen")
		arvidsjaur := book(2, "NO", fw.ID, true, domain.StatusInReview, "SE-2027-EXA-000002", "arvidsjaur")
		normal := book(3, "NO", fw.ID, false, domain.StatusInReview, "SE-2027-EXA-000003", "arvidsjaur")
		approved := book(4, "NO", fw.ID, true, domain.StatusApproved, "SE-2027-EXA-000004", "arvidsjaur")
		german := book(5, "DE", other.ID, true, domain.StatusInReview, "SE-2027-EXA-000005", "kilen")

		inbox := func(user string) []domain.InboxItem {
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: user, Reach: everyRequest, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			return page.Items
		}
		told := func() int {
			n := 0
			for _, r := range []*domain.Request{kilen, arvidsjaur, normal, approved, german} {
				rows, err := db.Notifications(ctx, r.ID)
				if err != nil {
					t.Fatal(err)
				}
				n += len(rows)
			}
			return n
		}
		audited := func() int {
			entries, err := db.ListAudit(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range entries {
				if e.Action == domain.AuditFrameworkUpdated {
					n++
				}
			}
			return n
		}
		patch := func(edit func(*domain.FrameworkTerms)) {
			t.Helper()
			cur, err := fws.Get(ctx, admin, fw.ID)
			if err != nil {
				t.Fatal(err)
			}
			next := cur.FrameworkTerms
			next.TrainingAreas = append([]string(nil), cur.TrainingAreas...)
			edit(&next)
			if _, err := fws.Update(ctx, admin, fw.ID, cur.Version, next); err != nil {
				t.Fatal(err)
			}
		}

		// A change that leaves every request covered tells nobody.
		patch(func(t *domain.FrameworkTerms) { t.Name = "Norwegian units, renamed" })
		if n := told(); n != 0 {
			t.Fatalf("a change that covers every request still told %d rows", n)
		}

		// Arvidsjaur left out: the request booking it on the fast track is
		// told, with the area by its name.
		patch(func(t *domain.FrameworkTerms) { t.TrainingAreas = []string{"kilen"} })
		no := inbox("lo-no")
		if len(no) != 1 || no[0].RequestID != arvidsjaur.ID || no[0].Kind != domain.NotifyFrameworkLapsed {
			t.Fatalf("lo-no's inbox after arvidsjaur was left out: %+v", no)
		}
		body := no[0].Body
		for _, want := range []string{"Framework agreement FA-NO-2027-01, on which your request SE-2027-EXA-000002 took the fast track, no longer covers it.",
			"  - training area Arvidsjaurs övnings- och skjutfält not covered", "its final approval will be refused",
			"An approver will request changes", "you may withdraw the request", "Request page: /requests/" + arvidsjaur.ID} {
			if !strings.Contains(body, want) {
				t.Errorf("lo-no's notice lacks %q:\n%s", want, body)
			}
		}
		if no[0].Subject != "Fast track no longer covered: SE-2027-EXA-000002" || strings.Contains(body, "arvidsjaur not") {
			t.Errorf("lo-no's notice: %q\n%s", no[0].Subject, body)
		}
		hns := inbox("hns")
		if len(hns) != 1 || hns[0].RequestID != arvidsjaur.ID || !strings.Contains(hns[0].Body, "waiting for your role's decision in") ||
			!strings.Contains(hns[0].Body, "request changes") || !strings.Contains(hns[0].Body, "Arvidsjaurs övnings- och skjutfält") {
			t.Errorf("the active stage's approver: %+v", hns)
		}
		if r := inbox("range"); len(r) != 0 {
			t.Errorf("the pending stage's approver is told: %+v", r)
		}
		if de := inbox("lo-de"); len(de) != 0 {
			t.Errorf("lo-de is told of Norway's request: %+v", de)
		}
		for _, r := range []*domain.Request{normal, approved, german, kilen} {
			if rows, _ := db.Notifications(ctx, r.ID); len(rows) != 0 {
				t.Errorf("request %s (%s) is told: %+v", r.Reference, r.Status, rows)
			}
		}
		mail := 0
		rows, _ := db.Notifications(ctx, arvidsjaur.ID)
		for _, n := range rows {
			if n.Channel == domain.ChannelEmail {
				mail++
			}
		}
		if mail != 2 {
			t.Errorf("%d e-mails, want one per inbox row (lo-no, hns)", mail)
		}

		// Suspended too: the request on kilen is told now; the one on
		// arvidsjaur, told already, is not told again.
		patch(func(t *domain.FrameworkTerms) { t.Suspended = true })
		no = inbox("lo-no")
		if len(no) != 2 || no[0].RequestID != kilen.ID || !strings.Contains(no[0].Body, "  - the framework agreement is suspended\n") {
			t.Fatalf("lo-no's inbox after the suspension: %+v", no)
		}
		if n := len(inbox("hns")); n != 2 {
			t.Errorf("hns has %d items after the suspension, want 2", n)
		}

		// Moved to Germany: nothing new for Norway's officers, and
		// Germany's never hear of Norway's requests.
		patch(func(t *domain.FrameworkTerms) { t.Nation = "DE" })
		if n := told(); n != 8 {
			t.Errorf("%d rows after a change that made nothing newly uncovered, want still 8", n)
		}
		if de := inbox("lo-de"); len(de) != 0 {
			t.Errorf("lo-de is told of Norway's requests: %+v", de)
		}
		if n := audited(); n != 4 {
			t.Errorf("%d framework.updated entries, want one per change (4)", n)
		}
	})
}
