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

// TestCapacityCutReportsOverDays: an administrator who lowers an area's
// capacity below what is booked is told, from the save, the days from
// today on that approved requests alone exceed it and the days that only
// the requests in review make exceed it, read from the stored per-day
// load. Past days, drafts and other areas do not count; a save that raises
// the capacity, or changes only the blackout days, reports nothing; nobody
// is notified.
func TestCapacityCutReportsOverDays(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		at := fixedNow // 3 February 2026
		due := at.Add(72 * time.Hour)
		book := func(n int, st domain.Status, area string, personnel int, from, to string) *domain.Request {
			r := newDraft(testID(t, n), "NO")
			r.Status, r.Personnel = st, domain.Personnel{Military: personnel}
			r.Period = domain.Period{Start: day(from), End: day(to)}
			r.TrainingAreas = []domain.AreaBooking{{Area: area, From: day(from), To: day(to)}}
			if st != domain.StatusDraft {
				r.Reference = "SE-2027-EXA-00000" + string(rune('0'+n))
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
		approved := book(1, domain.StatusApproved, "kilen", 400, "2027-03-01", "2027-03-10")
		inReview := book(2, domain.StatusInReview, "kilen", 300, "2027-03-09", "2027-03-12")
		book(3, domain.StatusApproved, "kilen", 900, "2025-06-01", "2025-06-02") // before today
		book(4, domain.StatusDraft, "kilen", 900, "2027-04-01", "2027-04-02")
		book(5, domain.StatusApproved, "ravlunda", 900, "2027-05-01", "2027-05-02")

		ref, err := db.Reference(ctx)
		if err != nil {
			t.Fatal(err)
		}
		fw := domain.NewFrameworkService(db, ref, func() time.Time { return at }, uuid.NewString)
		admin := domain.Principal{Subject: "admin", Roles: []domain.Role{domain.RoleAdmin}}
		save := func(capacity int, blackout ...time.Time) domain.AreaSaved {
			t.Helper()
			a, err := fw.TrainingArea(ctx, "kilen")
			if err != nil {
				t.Fatal(err)
			}
			saved, err := fw.SaveTrainingArea(ctx, admin, "kilen", a.Version, domain.AreaEdit{CapacityPersonnel: capacity, BlackoutDays: blackout})
			if err != nil {
				t.Fatal(err)
			}
			if saved.Area == nil || saved.Area.CapacityPersonnel != capacity {
				t.Fatalf("saved area %+v, want capacity %d", saved.Area, capacity)
			}
			return saved
		}
		dates := func(ds []time.Time) string {
			var out []string
			for _, d := range ds {
				out = append(out, domain.DateString(d))
			}
			return strings.Join(out, ",")
		}
		span := func(from, to string) string {
			var out []string
			for d := day(from); !d.After(day(to)); d = d.AddDate(0, 0, 1) {
				out = append(out, domain.DateString(d))
			}
			return strings.Join(out, ",")
		}

		// 1500 to 450: approved alone (400) fits; with the request in review
		// (700 on 9-10 March) it does not.
		got := save(450).Over
		if len(got.Approved) != 0 || dates(got.WithInReview) != "2027-03-09,2027-03-10" || dates(got.InReviewOnly()) != "2027-03-09,2027-03-10" {
			t.Errorf("cut to 450: approved %v, with in review %v", dates(got.Approved), dates(got.WithInReview))
		}
		if w := got.Warnings(); len(w) != 1 || strings.Contains(w[0], "Approved requests") ||
			!strings.Contains(w[0], "Together with requests in review, bookings exceed the new capacity of 450 personnel on 9–10 March 2027") {
			t.Errorf("cut to 450 warnings: %q", w)
		}

		// 450 to 100: approved alone exceeds it on its ten days, the
		// request in review on two more.
		got = save(100).Over
		if dates(got.Approved) != span("2027-03-01", "2027-03-10") || dates(got.WithInReview) != span("2027-03-01", "2027-03-12") {
			t.Errorf("cut to 100: approved %v, with in review %v", dates(got.Approved), dates(got.WithInReview))
		}
		w := got.Warnings()
		if len(w) != 2 || !strings.Contains(w[0], "Approved requests book more than the new capacity of 100 personnel on 1–10 March 2027: their permits stand") ||
			!strings.Contains(w[1], "on 11–12 March 2027") {
			t.Errorf("cut to 100 warnings: %q", w)
		}

		// Blackout days only, and a raise: nothing to tell.
		if got := save(100, day("2027-06-01")).Over; len(got.Approved)+len(got.WithInReview) != 0 || len(got.Warnings()) != 0 {
			t.Errorf("a blackout-only save reports %+v", got)
		}
		if got := save(800).Over; len(got.Approved)+len(got.WithInReview) != 0 || len(got.Warnings()) != 0 {
			t.Errorf("a raise reports %+v", got)
		}

		for _, r := range []*domain.Request{approved, inReview} {
			rows, err := db.Notifications(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 0 {
				t.Errorf("request %s is notified of a capacity cut: %+v", r.Reference, rows)
			}
		}
	})
}
