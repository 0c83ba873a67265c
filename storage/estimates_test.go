package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestWaitingStageEstimateStored: a decision that starts an order of
// stages makes the estimates of the stages still waiting after it again
// (domain.ApplyDecision), and they are stored: the request as read back
// has them, and so has the waiting stage's row — its due date, and its
// escalation time counted from it as at submission — while its status,
// activation and reminder marks stay as they were (none: the reminder
// sweep marks only active stages). Only the stage rows that changed are
// written: on SQLite (whose writes can be recorded) one UPDATE of
// request_stages for each, so none more for a waiting stage whose estimate
// stays, nor on a route with no order after the one started. Submitted on
// Tuesday 2026-02-03: intake (2 working days) is due on Thursday 02-05.
func TestWaitingStageEstimateStored(t *testing.T) {
	intake := domain.PlannedStage{ID: "intake", Role: domain.RoleHNS, Order: 1, ApprovalsRequired: 1, SLAWorkingDays: 2}
	rangeSafety := domain.PlannedStage{ID: "range_safety", Role: domain.RoleRange, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3}
	operations := domain.PlannedStage{ID: "operations", Role: domain.RoleOperations, Order: 2, ApprovalsRequired: 1, SLAWorkingDays: 3}
	ministry := domain.PlannedStage{ID: "ministry", Role: domain.RoleMinistry, Order: 3, ApprovalsRequired: 2, SLAWorkingDays: 5,
		Escalation: &domain.Escalation{Role: domain.RoleOperations, AfterWorkingDays: 1}}
	tests := []struct {
		name     string
		stages   []domain.PlannedStage
		approved time.Time // when intake is approved
		updates  int       // UPDATEs of request_stages
	}{
		{"a late start", []domain.PlannedStage{intake, rangeSafety, operations, ministry},
			time.Date(2026, 2, 16, 9, 0, 0, 0, time.UTC), 4},
		{"an early start", []domain.PlannedStage{intake, rangeSafety, operations, ministry},
			time.Date(2026, 2, 4, 9, 0, 0, 0, time.UTC), 4},
		{"a start on time: the estimate stays", []domain.PlannedStage{intake, rangeSafety, operations, ministry},
			time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC), 3},
		{"no order after the one started", []domain.PlannedStage{intake, operations},
			time.Date(2026, 2, 16, 9, 0, 0, 0, time.UTC), 2},
	}
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := newDraft(testID(t, 10*i+1), "NO")
				r.Status, r.SubmittedAt = domain.StatusInReview, &fixedNow
				r.Route, r.DueAt = domain.BuildRoute(domain.RoutingResult{PolicyVersion: "t", Stages: tt.stages}, fixedNow)
				createRequest(t, db, r)
				submitted := r.Route.Stages[len(r.Route.Stages)-1].DueAt

				var rec *storage.WriteRecorder
				if db.Dialect() == storage.DialectSQLite {
					rec = &storage.WriteRecorder{}
					if err := db.RecordWrites(rec); err != nil {
						t.Fatal(err)
					}
				}
				var decided *domain.Request
				err := db.InTx(ctx, func(tx domain.Tx) error {
					got, err := tx.GetRequest(r.ID)
					if err != nil {
						return err
					}
					if _, err := domain.ApplyDecision(got, domain.Decision{ID: testID(t, 10*i+2), Stage: "intake", By: "hns",
						Outcome: domain.OutcomeApprove, At: tt.approved}, tt.approved); err != nil {
						return err
					}
					got.Version++
					if err := tx.UpdateRequest(got, got.Version-1); err != nil {
						return err
					}
					decided = got
					return tx.AppendAudit(&domain.AuditEntry{At: tt.approved, Actor: "hns", Action: "request.decided",
						RequestID: got.ID, RequestVersion: got.Version})
				})
				if err != nil {
					t.Fatal(err)
				}
				if rec != nil {
					if err := db.RecordWrites(nil); err != nil {
						t.Fatal(err)
					}
					updates := 0
					for _, c := range rec.Changes() {
						for _, s := range c.Statements {
							if strings.HasPrefix(s.SQL, "UPDATE request_stages") {
								updates++
							}
						}
					}
					if updates != tt.updates {
						t.Errorf("%d UPDATEs of request_stages, want %d", updates, tt.updates)
					}
				}

				// The estimate, as the domain made it: the waiting order
				// from the latest deadline of the order started.
				last := decided.Route.Stages[len(decided.Route.Stages)-1]
				if last.Status != domain.StagePending {
					if last.Status != domain.StageActive || len(tt.stages) != 2 {
						t.Fatalf("last stage %s %s", last.ID, last.Status)
					}
				} else {
					started := domain.AddWorkingDays(tt.approved, 3)
					if want := domain.AddWorkingDays(started, 5); !last.DueAt.Equal(want) {
						t.Fatalf("the domain estimates %s by %v, want %v", last.ID, last.DueAt, want)
					}
					if moved := !last.DueAt.Equal(*submitted); moved != (tt.updates == 4) {
						t.Fatalf("estimate %v, at submission %v", last.DueAt, submitted)
					}
				}

				var read *domain.Request
				if err := db.InTx(ctx, func(tx domain.Tx) error {
					var err error
					read, err = tx.GetRequest(r.ID)
					return err
				}); err != nil {
					t.Fatal(err)
				}
				for k, s := range read.Route.Stages {
					want := decided.Route.Stages[k]
					if s.ID != want.ID || s.Status != want.Status || !sameTime(s.DueAt, want.DueAt) ||
						!sameTime(s.ActivatedAt, want.ActivatedAt) {
						t.Errorf("read %s %s due %v activated %v; stored %s %s due %v activated %v",
							s.ID, s.Status, s.DueAt, s.ActivatedAt, want.ID, want.Status, want.DueAt, want.ActivatedAt)
					}
				}
				if !sameTime(read.DueAt, last.DueAt) {
					t.Errorf("request read due %v, want %v (its last stage's)", read.DueAt, last.DueAt)
				}

				var row struct {
					Status                         string
					ActivatedAt, DueAt, EscalateAt *time.Time
					DueSoonAt, OverdueAt           *time.Time
				}
				if err := db.WriterForTest().Raw(`SELECT status, activated_at, due_at, escalate_at, due_soon_at, overdue_at
					FROM request_stages WHERE request_id = ? AND stage_id = ?`, r.ID, last.ID).Scan(&row).Error; err != nil {
					t.Fatal(err)
				}
				if row.Status != string(last.Status) || !sameTime(row.ActivatedAt, last.ActivatedAt) ||
					!sameTime(row.DueAt, last.DueAt) || row.DueSoonAt != nil || row.OverdueAt != nil {
					t.Errorf("stage row %s: %s activated %v due %v marks %v %v; want %s activated %v due %v, no marks",
						last.ID, row.Status, row.ActivatedAt, row.DueAt, row.DueSoonAt, row.OverdueAt,
						last.Status, last.ActivatedAt, last.DueAt)
				}
				if esc, ok := last.EscalationAt(); ok != (row.EscalateAt != nil) || ok && !sameTime(row.EscalateAt, &esc) {
					t.Errorf("stage row %s escalates at %v, want %v", last.ID, row.EscalateAt, esc)
				}
			})
		}
	})
}

func sameTime(a, b *time.Time) bool {
	return a == nil && b == nil || a != nil && b != nil && a.Equal(*b)
}
