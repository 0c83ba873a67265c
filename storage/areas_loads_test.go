package storage_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// loadAreas are the areas the property test books: two, so that bookings of
// one area must not count on the other.
var loadAreas = []string{"boden", "kilen"}

var loadStatuses = []domain.Status{domain.StatusDraft, domain.StatusInReview, domain.StatusApproved,
	domain.StatusChangesRequested, domain.StatusRejected, domain.StatusWithdrawn, domain.StatusExpired}

// randomBookings are one to three bookings, often overlapping, within
// March 2027, and a personnel total.
func randomBookings(rng *rand.Rand, r *domain.Request) {
	base := day("2027-03-01")
	r.TrainingAreas = nil
	for range 1 + rng.IntN(3) {
		from := base.AddDate(0, 0, rng.IntN(20))
		r.TrainingAreas = append(r.TrainingAreas, domain.AreaBooking{Area: loadAreas[rng.IntN(len(loadAreas))],
			From: from, To: from.AddDate(0, 0, rng.IntN(8))})
	}
	r.Personnel = domain.Personnel{Military: 1 + rng.IntN(700), Civilian: rng.IntN(3)}
	r.Period = domain.Period{Start: base, End: base.AddDate(0, 0, 30)}
}

// TestAreaDayLoadsEqualBookingWalk is the property that deconfliction on the
// stored day loads gives what the walk over every booking gives: after
// random requests and random status and booking changes (some of them
// rolled back, some two in one transaction), the stored loads equal the
// bookings' sums day by day, and Deconflict agrees for stored and new
// requests, for the statuses of a submission and of a final approval.
func TestAreaDayLoadsEqualBookingWalk(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		rng := rand.New(rand.NewPCG(seed, 14))
		ctx := context.Background()
		var ids []string
		for i := range 40 {
			r := newDraft(testID(t, i), "NO")
			randomBookings(rng, r)
			r.Status = loadStatuses[rng.IntN(len(loadStatuses))]
			createRequest(t, db, r)
			ids = append(ids, r.ID)
		}
		errRollback := errors.New("rolled back on purpose")
		for range 150 {
			err := db.InTx(ctx, func(tx domain.Tx) error {
				for range 1 + rng.IntN(2) {
					if err := randomChange(rng, tx, ids[rng.IntN(len(ids))]); err != nil {
						return err
					}
				}
				if rng.IntN(5) == 0 {
					return errRollback
				}
				return nil
			})
			if err != nil && !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
		}
		checkLoads(t, db, ids, rng)
	})
}

// randomChange moves a request to a random status, sometimes with new
// bookings and personnel.
func randomChange(rng *rand.Rand, tx domain.Tx, id string) error {
	r, err := tx.GetRequest(id)
	if err != nil {
		return err
	}
	v := r.Version
	r.Status = loadStatuses[rng.IntN(len(loadStatuses))]
	if rng.IntN(3) == 0 {
		randomBookings(rng, r)
	}
	r.Version++
	return tx.UpdateRequest(r, v)
}

func checkLoads(t *testing.T, db *storage.DB, ids []string, rng *rand.Rand) {
	t.Helper()
	from, to := day("2027-02-25"), day("2027-04-05")
	err := db.InTx(context.Background(), func(tx domain.Tx) error {
		var all []domain.Booking
		for _, a := range loadAreas {
			bs, err := tx.ListBookings(a, from, to, domain.BookingStatuses)
			if err != nil {
				return err
			}
			all = append(all, bs...)
			if err := compareDays(tx, a, from, to, bs); err != nil {
				return err
			}
		}
		areas := map[string]domain.TrainingArea{"boden": {Code: "boden", CapacityPersonnel: 1500},
			"kilen": {Code: "kilen", CapacityPersonnel: 900, BlackoutDays: []time.Time{day("2027-03-10")}}}
		candidates := make([]*domain.Request, 0, 30)
		for i := range 30 {
			r := newDraft(testID(t, 1000+i), "SE")
			if i%2 == 0 { // a stored request: its own share must not count
				var err error
				if r, err = tx.GetRequest(ids[rng.IntN(len(ids))]); err != nil {
					return err
				}
			} else {
				randomBookings(rng, r)
			}
			candidates = append(candidates, r)
		}
		for _, statuses := range [][]domain.Status{domain.BookingStatuses, {domain.StatusApproved}} {
			var counted []domain.Booking
			for _, b := range all {
				if slices.Contains(statuses, b.Status) {
					counted = append(counted, b)
				}
			}
			for _, r := range candidates {
				stored, err := storedLoad(tx, r, statuses)
				if err != nil {
					return err
				}
				got := domain.Deconflict(r, areas, stored)
				want := domain.Deconflict(r, areas, domain.BookingLoad(counted, r.ID))
				if fmt.Sprint(got) != fmt.Sprint(want) {
					return fmt.Errorf("request %s, statuses %v: stored loads give %v, the booking walk %v", r.ID, statuses, got, want)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// compareDays checks area's stored load against the bookings, day by day,
// in review and approved apart.
func compareDays(tx domain.Tx, area string, from, to time.Time, bs []domain.Booking) error {
	rows, err := tx.AreaDayLoads(area, from, to, "")
	if err != nil {
		return err
	}
	byDay := map[string]domain.AreaDayLoad{}
	for _, r := range rows {
		byDay[domain.DateString(r.Day)] = r
	}
	only := func(s domain.Status) []domain.Booking {
		return slices.DeleteFunc(slices.Clone(bs), func(b domain.Booking) bool { return b.Status != s })
	}
	review, approved := domain.BookingLoad(only(domain.StatusInReview), ""), domain.BookingLoad(only(domain.StatusApproved), "")
	nonzero := 0
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		got := byDay[domain.DateString(d)]
		if got.InReview != review(area, d) || got.Approved != approved(area, d) {
			return fmt.Errorf("%s on %s: stored %d in review, %d approved; bookings %d, %d",
				area, domain.DateString(d), got.InReview, got.Approved, review(area, d), approved(area, d))
		}
		if got.InReview+got.Approved > 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		return fmt.Errorf("%s: no load at all; the test compared nothing", area)
	}
	return nil
}

// storedLoad is the OtherLoad of r read from the stored day loads, as the
// domain reads it on submit and final approval.
func storedLoad(tx domain.Tx, r *domain.Request, statuses []domain.Status) (domain.OtherLoad, error) {
	loads := map[string]int{}
	for _, a := range loadAreas {
		rows, err := tx.AreaDayLoads(a, day("2027-02-25"), day("2027-04-05"), r.ID)
		if err != nil {
			return nil, err
		}
		for _, l := range rows {
			n := 0
			if slices.Contains(statuses, domain.StatusInReview) {
				n += l.InReview
			}
			if slices.Contains(statuses, domain.StatusApproved) {
				n += l.Approved
			}
			loads[a+" "+domain.DateString(l.Day)] = n
		}
	}
	return func(area string, d time.Time) int { return loads[area+" "+domain.DateString(d)] }, nil
}

// TestCloneForBench: the bench's bulk copies are requests like their
// template, listed and queued like it, and their bookings are in the day
// loads.
func TestCloneForBench(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, filepath.Join(t.TempDir(), "clone.db"))
	ctx := context.Background()
	r := newDraft(testID(t, 1), "NO")
	r.Status, r.TrainingAreas = domain.StatusInReview, []domain.AreaBooking{{Area: "kilen", From: day("2027-03-02"), To: day("2027-03-04")}}
	createRequest(t, db, r)
	var progress atomic.Int64
	if err := db.CloneForBench(ctx, r.ID, 10, &progress); err != nil {
		t.Fatal(err)
	}
	page, err := db.ListRequests(ctx, domain.RequestFilter{Status: domain.StatusInReview, Area: "kilen", Limit: 50})
	if err != nil || len(page.Items) != 11 || progress.Load() != 10 {
		t.Fatalf("%d requests in review on kilen (%v), progress %d", len(page.Items), err, progress.Load())
	}
	err = db.InTx(ctx, func(tx domain.Tx) error {
		loads, err := tx.AreaDayLoads("kilen", day("2027-03-01"), day("2027-03-05"), "")
		if err != nil {
			return err
		}
		if len(loads) != 3 || loads[0].InReview != 11*r.Personnel.Total() {
			return fmt.Errorf("loads %+v, want 3 days of %d", loads, 11*r.Personnel.Total())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
