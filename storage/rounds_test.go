package storage_test

import (
	"context"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
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
