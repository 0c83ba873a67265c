package storage_test

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// fullRequest sets every field of a request, Details, Route and warnings
// included, with nil and empty lists where the difference must survive.
func fullRequest(t testing.TB) *domain.Request {
	t.Helper()
	submitted, due, activated := fixedNow.Add(time.Hour), fixedNow.Add(72*time.Hour), fixedNow.Add(time.Hour)
	decided := fixedNow.Add(48 * time.Hour)
	return &domain.Request{ID: testID(t, 1), Reference: "SE-2026-EXA-000042", Status: domain.StatusApproved, Version: 7,
		Nation: "NO", CreatedBy: "lo-no", CreatedAt: fixedNow, UpdatedAt: fixedNow.Add(2 * time.Hour),
		Details: domain.Details{
			ExerciseName: "Cold Response <26> & \"friends\"", Purpose: "Winter training, åäö ✓",
			Unit:      domain.Unit{Designation: "Brigade North", ParentFormation: "Army", Commander: "Col. N"},
			Period:    domain.Period{Start: day("2026-03-02"), End: day("2026-03-20")},
			Personnel: domain.Personnel{Military: 1200, Civilian: 15, Contractors: 3},
			Vehicles:  []domain.Vehicle{{Category: "combat", Kind: "tracked", Count: 12}, {Category: "non_combat", Kind: "wheeled", Count: 40}},
			Aircraft:  []domain.Aircraft{{Type: "NH90", Count: 2, Armed: false, EWEquipment: true, Cameras: true}},
			Vessels:   []domain.Vessel{{Name: "KNM Thor", Kind: "warship", Crew: 120}},
			Weapons:   domain.Weapons{LiveFire: true, Systems: []string{"M72", "Carl Gustaf"}},
			DangerousGoods: []domain.DangerousGood{{UNNumber: "0012", Class: "1.4S", NetExplosiveKg: 12.75,
				Description: "small arms ammunition"}},
			Movements: []domain.Movement{{Direction: "entry", EntryPoint: "storlien", At: fixedNow.Add(24 * time.Hour), Mode: "road"},
				{Direction: "exit", EntryPoint: "riksgransen", At: fixedNow.Add(500 * time.Hour), Mode: "rail"}},
			TrainingAreas: []domain.AreaBooking{{Area: "boden", From: day("2026-03-03"), To: day("2026-03-10")},
				{Area: "kilen", From: day("2026-03-11"), To: day("2026-03-19")}},
			FrameworkID: "fw-no-2026",
			Contact:     domain.Contact{Name: "Kari", Email: "kari@example.no", Phone: "+47 123"},
		},
		Route: &domain.Route{PolicyVersion: "2026.1", FastTrack: false, Reasons: []string{"live fire"},
			Stages: []domain.Stage{{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageApproved,
				ApprovalsRequired: 1, SLAWorkingDays: 2, Reason: "always", ActivatedAt: &activated, DueAt: &due,
				Decisions: []domain.Decision{{ID: "d1", Stage: "intake", By: "hns", ActingFor: "hns2", Outcome: "approve",
					Comment: "ok", Conditions: []string{"escort"}, At: decided}},
				Escalation: &domain.Escalation{Role: domain.RoleOperations, AfterWorkingDays: 1}},
				{ID: "ops", Role: domain.RoleOperations, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1,
					SLAWorkingDays: 3, Decisions: []domain.Decision{}}},
			Earlier: []domain.Decision{{ID: "d0", Stage: "ops", By: "ops", Outcome: "request_changes",
				Comment: "more detail", At: fixedNow.Add(30 * time.Minute)}}},
		SubmittedAt: &submitted, DueAt: &due, DecidedAt: &decided,
		Conditions: []string{"escort", "no firing at night"},
		Warnings:   []domain.Warning{{Code: "area_conflict", Message: "boden is booked"}},
	}
}

func TestRequestRoundTrip(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		cases := []struct {
			name string
			req  *domain.Request
		}{
			{"every field", fullRequest(t)},
			{"minimal draft", newDraft(testID(t, 2), "DE")},
		}
		for _, c := range cases {
			createRequest(t, db, c.req)
			got, err := db.GetRequest(ctx, c.req.ID)
			if err != nil {
				t.Fatalf("%s: GetRequest: %v", c.name, err)
			}
			if !reflect.DeepEqual(got, c.req) {
				t.Errorf("%s: round trip differs\n got %+v\nwant %+v", c.name, got, c.req)
			}
		}
		_, err := db.GetRequest(ctx, testID(t, 99))
		wantCode(t, err, domain.CodeNotFound)
	})
}

// Timestamps are kept to the microsecond and come back in UTC.
func TestTimestampsTruncatedToMicroseconds(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		r := newDraft(testID(t, 1), "NO")
		r.CreatedAt = time.Date(2026, 2, 3, 10, 11, 12, 123456789, time.FixedZone("CET", 3600))
		createRequest(t, db, r)
		got, err := db.GetRequest(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := r.CreatedAt.Truncate(time.Microsecond)
		if !got.CreatedAt.Equal(want) || got.CreatedAt.Location() != time.UTC {
			t.Errorf("CreatedAt = %v, want %v in UTC", got.CreatedAt, want)
		}
	})
}

func TestCreateDuplicateIsConflict(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateRequest(r) })
		wantCode(t, err, domain.CodeConflict)
	})
}

func TestUpdateRequestCompareAndSet(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := newDraft(testID(t, 1), "NO")
		r.TrainingAreas = []domain.AreaBooking{{Area: "boden", From: day("2026-03-02"), To: day("2026-03-03")}}
		createRequest(t, db, r)
		update := func(r *domain.Request, expected int) error {
			return db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateRequest(r, expected) })
		}
		next := *r
		next.Version, next.ExerciseName = 2, "Renamed"
		next.TrainingAreas = []domain.AreaBooking{{Area: "kilen", From: day("2026-03-04"), To: day("2026-03-05")}}
		if err := update(&next, 1); err != nil {
			t.Fatalf("update at the current version: %v", err)
		}
		got, err := db.GetRequest(ctx, r.ID)
		if err != nil || got.Version != 2 || got.ExerciseName != "Renamed" || got.TrainingAreas[0].Area != "kilen" {
			t.Fatalf("after update: %+v, %v", got, err)
		}
		stale := next
		stale.Version = 3
		wantCode(t, update(&stale, 1), domain.CodePreconditionFailed)
		gone := *newDraft(testID(t, 2), "NO")
		wantCode(t, update(&gone, 1), domain.CodeNotFound)
		// The booking rows follow the update: the old area no longer lists it.
		page, err := db.ListRequests(ctx, domain.RequestFilter{Area: "boden"})
		if err != nil || len(page.Items) != 0 {
			t.Errorf("boden still lists the request: %d items, %v", len(page.Items), err)
		}
	})
}

// N writers read version 1 and try to store version 2 at once: exactly one
// wins, every other gets precondition_failed.
func TestUpdateRequestConcurrentWritersOneWins(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		const writers = 12
		errs := make([]error, writers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range writers {
			wg.Go(func() {
				<-start
				next := *r
				next.Version, next.Purpose = 2, "writer"
				errs[i] = db.InTx(ctx, func(tx domain.Tx) error { return tx.UpdateRequest(&next, 1) })
			})
		}
		close(start)
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch domain.ErrorCode(err) {
			case domain.CodePreconditionFailed:
			default:
				if err != nil {
					t.Errorf("unexpected error: %v", err)
					continue
				}
				wins++
			}
		}
		if wins != 1 {
			t.Errorf("%d writers won, want exactly 1", wins)
		}
	})
}

// An error from fn rolls everything back and comes back unchanged.
func TestInTxRollback(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		r := newDraft(testID(t, 1), "NO")
		r.TrainingAreas = []domain.AreaBooking{{Area: "boden", From: day("2026-03-02"), To: day("2026-03-03")}}
		refusal := domain.Errorf(domain.CodeNotEligible, "no")
		err := db.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.CreateRequest(r); err != nil {
				return err
			}
			if err := tx.AppendAudit(&domain.AuditEntry{At: fixedNow, Actor: "lo-no", Action: domain.AuditRequestCreated, RequestID: r.ID}); err != nil {
				return err
			}
			if _, err := tx.NextReference(2026); err != nil {
				return err
			}
			return refusal
		})
		if err != error(refusal) {
			t.Fatalf("InTx returned %v (%T), want the very error fn returned", err, err)
		}
		_, err = db.GetRequest(ctx, r.ID)
		wantCode(t, err, domain.CodeNotFound)
		if entries, err := db.ListAudit(ctx, r.ID); err != nil || len(entries) != 0 {
			t.Errorf("audit after rollback: %d entries, %v", len(entries), err)
		}
		// The counters rolled back too: the next entry is still index 0, the next reference 1.
		var idx, ref int64
		err = db.InTx(ctx, func(tx domain.Tx) error {
			e := &domain.AuditEntry{At: fixedNow, Actor: "x", Action: "test"}
			if err := tx.AppendAudit(e); err != nil {
				return err
			}
			idx = e.Index
			ref, err = tx.NextReference(2026)
			return err
		})
		if err != nil || idx != 0 || ref != 1 {
			t.Errorf("after rollback: index %d, reference %d, %v; want 0 and 1", idx, ref, err)
		}
	})
}

// UpdateRequest sets only the columns that changed; this checks that every
// column still reaches the database: from a minimal draft to the full
// request and back, one column's worth of change at a time, each update in
// a transaction of its own or two in one, the stored request is always
// exactly the one written.
func TestUpdateRequestWritesEveryChangedColumn(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		full := fullRequest(t)
		draft := newDraft(full.ID, full.Nation)
		draft.CreatedBy, draft.CreatedAt = full.CreatedBy, full.CreatedAt
		createRequest(t, db, draft)
		steps := []func(r, to *domain.Request){
			func(r, to *domain.Request) { r.Reference = to.Reference },
			func(r, to *domain.Request) { r.Status = to.Status },
			func(r, to *domain.Request) { r.SubmittedAt = to.SubmittedAt },
			func(r, to *domain.Request) { r.DueAt = to.DueAt },
			func(r, to *domain.Request) { r.DecidedAt = to.DecidedAt },
			func(r, to *domain.Request) { r.ExerciseName = to.ExerciseName },
			func(r, to *domain.Request) { r.Period.Start = to.Period.Start },
			func(r, to *domain.Request) { r.Period.End = to.Period.End },
			func(r, to *domain.Request) {
				d := to.Details
				d.ExerciseName, d.Period = r.ExerciseName, r.Period
				r.Details = d
			},
			func(r, to *domain.Request) { r.Route = to.Route },
			func(r, to *domain.Request) { r.Conditions = to.Conditions },
			func(r, to *domain.Request) { r.Warnings = to.Warnings },
		}
		cur := draft
		for round, to := range []*domain.Request{full, newDraft(full.ID, full.Nation), fullRequest(t)} {
			for i, step := range steps {
				next := *cur
				step(&next, to)
				next.UpdatedAt = cur.UpdatedAt.Add(time.Minute)
				next.Version = cur.Version + 1
				err := db.InTx(ctx, func(tx domain.Tx) error {
					if i%3 == 0 { // read first, as the services do
						if _, err := tx.GetRequest(cur.ID); err != nil {
							return err
						}
					}
					if err := tx.UpdateRequest(&next, cur.Version); err != nil {
						return err
					}
					if i%4 == 1 { // a second change in the same transaction
						again := next
						again.Version++
						again.UpdatedAt = again.UpdatedAt.Add(time.Second)
						if err := tx.UpdateRequest(&again, next.Version); err != nil {
							return err
						}
						next = again
					}
					return nil
				})
				if err != nil {
					t.Fatalf("round %d step %d: %v", round, i, err)
				}
				got, err := db.GetRequest(ctx, cur.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, &next) {
					t.Fatalf("round %d step %d: stored request differs\n got %+v\nwant %+v", round, i, got, &next)
				}
				cur = got
			}
		}
	})
}
