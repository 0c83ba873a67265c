package storage

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// TestQueueQueryUsesIndex explains the very SQL ListQueue runs, for each
// filter combination, and fails on a table scan of the stages or a sort:
// the queue must stay an index walk at a million requests.
func TestQueueQueryUsesIndex(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	cursor := &domain.QueueCursor{DueAt: now, RequestID: "r", StageID: "s"}
	for name, f := range map[string]domain.QueueFilter{
		"role":           {Roles: []domain.Role{domain.RoleHNS}},
		"role and actor": {Roles: []domain.Role{domain.RoleHNS}, ExcludeActor: []string{"hns"}},
		"nation":         {Roles: []domain.Role{domain.RoleHNS}, Nation: "NO", ExcludeActor: []string{"hns"}},
		"overdue":        {Roles: []domain.Role{domain.RoleRange}, OverdueAt: &now},
		"next page":      {Roles: []domain.Role{domain.RoleOperations}, After: cursor, ExcludeActor: []string{"ops"}},
		"delegated role": {Roles: []domain.Role{domain.RoleRange}, After: cursor, ExcludeActor: []string{"ops"},
			ActingFor: map[domain.Role]string{domain.RoleRange: "range"}},
	} {
		t.Run(name, func(t *testing.T) {
			g := db.reader.WithContext(ctx)
			sql := g.ToSQL(func(tx *gorm.DB) *gorm.DB { return queueQuery(tx, f.Roles[0], f).Limit(51).Scan(&[]queueRow{}) })
			text, err := explainPlan(g, sql)
			if err != nil {
				t.Fatalf("explain %s: %v", sql, err)
			}
			if !strings.Contains(text, "request_stages_active_queue") || strings.Contains(text, "SCAN s") || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("queue query does not walk its index:\n%s\n%s", sql, text)
			}
			if len(f.People(f.Roles[0])) > 0 && !strings.Contains(text, "request_decisions_request_by") {
				t.Errorf("separation of duties does not look decisions up by their index:\n%s\n%s", sql, text)
			}
		})
	}
}
