package storage_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// The queue applies separation of duties over every review round: whoever
// decided one stage of a request in an earlier round does not see another
// of its stages, but does see the stage they decided before (a fresh review).
func TestQueueSkipsStagesDecidedInEarlierRounds(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		activated, due := fixedNow, fixedNow.Add(72*time.Hour)
		r := newDraft(testID(t, 1), "NO")
		r.Status = domain.StatusInReview
		r.Route = &domain.Route{PolicyVersion: "t",
			Stages: []domain.Stage{
				{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StageActive, ApprovalsRequired: 1,
					SLAWorkingDays: 3, ActivatedAt: &activated, DueAt: &due},
				{ID: "operations", Role: domain.RoleOperations, Order: 2, Status: domain.StageActive, ApprovalsRequired: 1,
					SLAWorkingDays: 3, ActivatedAt: &activated, DueAt: &due,
					Decisions: []domain.Decision{{ID: testID(t, 5), Stage: "operations", By: "ops2", Outcome: "approve", At: fixedNow}}}},
			Earlier: []domain.Decision{
				{ID: testID(t, 2), Stage: "operations", By: "ops", Outcome: "approve", At: fixedNow.Add(-time.Hour)},
				{ID: testID(t, 3), Stage: "range_safety", By: "range", Outcome: "request_changes", At: fixedNow.Add(-time.Hour)},
			}}
		createRequest(t, db, r)
		tests := []struct {
			name  string
			role  domain.Role
			actor string
			want  int
		}{
			{"ops, who decided operations before, acting on range_safety", domain.RoleRange, "ops", 0},
			{"range on its own stage again", domain.RoleRange, "range", 1},
			{"a newcomer on range_safety", domain.RoleRange, "range2", 1},
			{"ops on operations again, in a new round", domain.RoleOperations, "ops", 1},
			{"ops2, who decided operations in this round", domain.RoleOperations, "ops2", 0},
			{"range, who decided range_safety before, on operations", domain.RoleOperations, "range", 0},
		}
		for _, tt := range tests {
			page, err := db.ListQueue(ctx, domain.QueueFilter{Roles: []domain.Role{tt.role}, ExcludeActor: []string{tt.actor}, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Items) != tt.want {
				t.Errorf("%s: %d items, want %d", tt.name, len(page.Items), tt.want)
			}
		}
	})
}

// TestResubmissionMarksEarlierDecisions: an approver who requested changes
// on a stage sees that stage in the queue again once the request is
// resubmitted (Decide accepts a fresh review of one's own stage), and the
// decision's row is marked earlier. The write that resubmits keeps the
// decision's row and only flips its flag: stored as it was, as a decision of
// the current round, it hid the stage from the approver who made it.
func TestResubmissionMarksEarlierDecisions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		activated, due := fixedNow, fixedNow.Add(48*time.Hour)
		route := func(at time.Time) *domain.Route {
			return &domain.Route{PolicyVersion: "t", Stages: []domain.Stage{
				{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 1,
					SLAWorkingDays: 2, ActivatedAt: &at, DueAt: &due},
				{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1,
					SLAWorkingDays: 3}}}
		}
		r := newDraft(testID(t, 1), "NO")
		r.Status, r.Route = domain.StatusInReview, route(activated)
		createRequest(t, db, r)
		queued := func(who string) int {
			t.Helper()
			page, err := db.ListQueue(ctx, domain.QueueFilter{Roles: []domain.Role{domain.RoleHNS}, ExcludeActor: []string{who}, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			return len(page.Items)
		}
		change := func(f func(r *domain.Request) error) {
			t.Helper()
			err := db.InTx(ctx, func(tx domain.Tx) error {
				got, err := tx.GetRequest(r.ID)
				if err != nil {
					return err
				}
				if err := f(got); err != nil {
					return err
				}
				got.Version++
				return tx.UpdateRequest(got, got.Version-1)
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		decided := testID(t, 2)
		change(func(r *domain.Request) error {
			_, err := domain.ApplyDecision(r, domain.Decision{ID: decided, Stage: "intake", By: "hns",
				Outcome: domain.OutcomeRequestChanges, Comment: "c", At: fixedNow.Add(time.Minute)}, fixedNow.Add(time.Minute))
			return err
		})
		if n := queued("hns"); n != 0 {
			t.Fatalf("changes requested: %d stages queued, want none", n)
		}
		// The resubmission, as RequestService.Submit makes it.
		change(func(r *domain.Request) error {
			history := r.Route.History()
			r.Status, r.Route = domain.StatusInReview, route(fixedNow.Add(time.Hour))
			r.Route.Earlier = history
			return nil
		})
		if n := queued("hns"); n != 1 {
			t.Errorf("resubmitted: hns, who requested the changes, has %d stages queued, want intake again", n)
		}
		if n := queued("hns2"); n != 1 {
			t.Errorf("resubmitted: another hns officer has %d stages queued, want 1", n)
		}
		var earlier bool
		if err := db.WriterForTest().Raw("SELECT earlier FROM request_decisions WHERE id = ?", decided).Scan(&earlier).Error; err != nil {
			t.Fatal(err)
		}
		if !earlier {
			t.Error("the decision of the earlier round is stored as one of the current round")
		}
		// A decision of the new round is a current one beside it, and the
		// queue leaves the stage out again for whoever made it.
		change(func(r *domain.Request) error {
			r.Route.Stages[0].ApprovalsRequired = 2
			_, err := domain.ApplyDecision(r, domain.Decision{ID: testID(t, 3), Stage: "intake", By: "hns",
				Outcome: domain.OutcomeApprove, At: fixedNow.Add(2 * time.Hour)}, fixedNow.Add(2*time.Hour))
			return err
		})
		if n := queued("hns"); n != 0 {
			t.Errorf("decided again: hns has %d stages queued, want none", n)
		}
		if n := queued("hns2"); n != 1 {
			t.Errorf("decided again: another hns officer has %d stages queued, want 1", n)
		}
		var flags []bool
		if err := db.WriterForTest().Raw("SELECT earlier FROM request_decisions WHERE request_id = ? ORDER BY id", r.ID).
			Scan(&flags).Error; err != nil {
			t.Fatal(err)
		}
		if len(flags) != 2 || !flags[0] || flags[1] {
			t.Errorf("decision rows' earlier flags %v, want [true false]", flags)
		}
	})
}

// TestEarlierDecisionsMigration: migration 0028 marks earlier the decision
// rows that a resubmission stored as current ones — those among the
// earlier decisions of their request's route — and no decision of a
// current round, of this request or of one never resubmitted; the approver
// who requested changes sees the resubmitted stage in the queue again.
func TestEarlierDecisionsMigration(t *testing.T) {
	for _, c := range storagetest.Databases(t) {
		t.Run(c.Name, func(t *testing.T) {
			ctx := context.Background()
			db := openAtVersion(t, c.DSN, 27)
			w := db.WriterForTest()
			if err := w.Exec("INSERT INTO nations (alpha2, alpha3, numeric_code, name) VALUES ('NO', 'NOR', '578', 'Norway')").Error; err != nil {
				t.Fatal(err)
			}
			activated, due := fixedNow, fixedNow.Add(48*time.Hour)
			before := fixedNow.Add(-time.Hour)
			// Resubmitted: hns requested changes at intake, range approved
			// range_safety in the round before; in this round hns2 approved
			// intake (of two approvals), so it stays active.
			resubmitted := newDraft(testID(t, 1), "NO")
			resubmitted.Status = domain.StatusInReview
			earlier := []domain.Decision{
				{ID: testID(t, 10), Stage: "range_safety", By: "range", Outcome: domain.OutcomeApprove, At: before.Add(-time.Hour)},
				{ID: testID(t, 11), Stage: "intake", By: "hns", Outcome: domain.OutcomeRequestChanges, Comment: "c", At: before},
			}
			current := domain.Decision{ID: testID(t, 12), Stage: "intake", By: "hns2", Outcome: domain.OutcomeApprove, At: fixedNow.Add(time.Minute)}
			resubmitted.Route = &domain.Route{PolicyVersion: "t", Earlier: earlier, Stages: []domain.Stage{
				{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 2,
					SLAWorkingDays: 2, ActivatedAt: &activated, DueAt: &due, Decisions: []domain.Decision{current}},
				{ID: "range_safety", Role: domain.RoleRange, Order: 2, Status: domain.StagePending, ApprovalsRequired: 1, SLAWorkingDays: 3}}}
			// Never resubmitted: hns3 approved intake (of two) in its only round.
			once := newDraft(testID(t, 2), "NO")
			once.Status = domain.StatusInReview
			onlyRound := domain.Decision{ID: testID(t, 20), Stage: "intake", By: "hns3", Outcome: domain.OutcomeApprove, At: fixedNow.Add(time.Minute)}
			once.Route = &domain.Route{PolicyVersion: "t", Stages: []domain.Stage{
				{ID: "intake", Role: domain.RoleHNS, Order: 1, Status: domain.StageActive, ApprovalsRequired: 2,
					SLAWorkingDays: 2, ActivatedAt: &activated, DueAt: &due, Decisions: []domain.Decision{onlyRound}}}}
			draft := newDraft(testID(t, 3), "NO")
			for _, r := range []*domain.Request{resubmitted, once, draft} {
				createRequest(t, db, r)
			}
			// As the server stored them before: every row a current one.
			if err := w.Exec("UPDATE request_decisions SET earlier = ?", false).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for id, want := range map[string]bool{earlier[0].ID: true, earlier[1].ID: true, current.ID: false, onlyRound.ID: false} {
				var got bool
				if err := w.Raw("SELECT earlier FROM request_decisions WHERE id = ?", id).Scan(&got).Error; err != nil {
					t.Fatal(err)
				}
				if got != want {
					t.Errorf("decision %s: earlier = %v, want %v", id, got, want)
				}
			}
			for who, want := range map[string][]string{"hns": {resubmitted.ID, once.ID}, "hns2": {once.ID}, "hns3": {resubmitted.ID}} {
				page, err := db.ListQueue(ctx, domain.QueueFilter{Roles: []domain.Role{domain.RoleHNS}, ExcludeActor: []string{who}, Limit: 10})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, it := range page.Items {
					got = append(got, it.RequestID)
				}
				slices.Sort(got)
				if !slices.Equal(got, want) {
					t.Errorf("%s's queue: %v, want %v", who, got, want)
				}
			}
		})
	}
}
