package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestReminderNoticesNameStagesInWords: the due-soon, overdue and
// escalation notices the sweep stores name their stage in words (what it
// is and who decides it), never by its id or its role's code, in the
// e-mail and the inbox alike; their idempotency keys still name the stage
// by its id (domain.StageNoticeKey), as before.
func TestReminderNoticesNameStagesInWords(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		f := seedSchedule(t, db)
		if _, err := db.ScheduleNotifications(ctx, f.now); err != nil {
			t.Fatal(err)
		}
		const intake = "the intake review by the Swedish Armed Forces' host-nation support desk"
		want := map[string]struct {
			r    *domain.Request
			body string
		}{
			domain.NotifyStageDueSoon: {f.soon, "Request SE-2026-EXA-000002 is waiting for your role's decision in " + intake +
				", due by 2026-03-04 23:59 CET (Stockholm).\n"},
			domain.NotifyStageOverdue: {f.overdue, "Request SE-2026-EXA-000001 is still waiting for your role's decision in " + intake +
				", which was due by 2026-02-27 23:59 CET (Stockholm).\n"},
			domain.NotifyStageEscalated: {f.overdue, "Request SE-2026-EXA-000001 is still undecided in " + intake +
				", which was due by 2026-02-27 23:59 CET (Stockholm).\n"},
		}
		_, rows := scheduledEmails(t, db, f)
		seen := map[string]int{}
		for _, row := range rows {
			w, ok := want[row.Kind]
			if !ok {
				continue
			}
			seen[row.Kind]++
			if !strings.HasPrefix(row.Body, w.body) {
				t.Errorf("%s to %s on %s:\n%s\nwant it to begin %q", row.Kind, row.Recipient, row.Channel, row.Body, w.body)
			}
			if text := row.Subject + row.Body; strings.Contains(text, "_officer") || strings.Contains(text, "Stage intake") {
				t.Errorf("%s names a code: %q / %q", row.Kind, row.Subject, row.Body)
			}
			key := domain.StageNoticeKey(row.Kind, domain.StageCandidate{RequestID: w.r.ID, Reference: w.r.Reference,
				Status: w.r.Status, Stage: w.r.Route.Stages[0]}) + ":" + row.Recipient + ":" + row.Channel
			if row.Key != key {
				t.Errorf("%s key %q, want %q", row.Kind, row.Key, key)
			}
		}
		// due soon and overdue to hns and the deputy, escalated to ops: an
		// e-mail and an inbox row each.
		if seen[domain.NotifyStageDueSoon] != 4 || seen[domain.NotifyStageOverdue] != 4 || seen[domain.NotifyStageEscalated] != 2 {
			t.Fatalf("stage notices stored: %v", seen)
		}
	})
}

// TestStageActiveNoticeNamesStageInWords: the notice of a stage that a
// submission made active, written with the change, names the stage in
// words; a stage the shipped policy does not have is named by its id in
// quotes and its role in words.
func TestStageActiveNoticeNamesStageInWords(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seedNotifyUsers(t, db)
		for i, c := range []struct{ stage, words string }{
			{"intake", "the intake review by the Swedish Armed Forces' host-nation support desk"},
			{"survey", `stage "survey" by the Swedish Armed Forces' host-nation support desk`},
		} {
			r := newDraft(testID(t, 1+i), "NO")
			createRequest(t, db, r)
			err := db.InTx(context.Background(), func(tx domain.Tx) error {
				at, due := fixedNow, fixedNow.Add(72*time.Hour)
				r.Status, r.Reference, r.SubmittedAt, r.DueAt = domain.StatusInReview, "SE-2026-EXA-00004"+string(rune('2'+i)), &at, &due
				r.Route = &domain.Route{Stages: []domain.Stage{{ID: c.stage, Role: domain.RoleHNS, Order: 1,
					Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
				r.Version++
				if err := tx.UpdateRequest(r, r.Version-1); err != nil {
					return err
				}
				return tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "lo-no", Action: domain.AuditRequestSubmitted,
					RequestID: r.ID, RequestVersion: r.Version})
			})
			if err != nil {
				t.Fatal(err)
			}
			rows, err := db.Notifications(context.Background(), r.ID)
			if err != nil {
				t.Fatal(err)
			}
			active := 0
			for _, n := range rows {
				switch n.Kind {
				case domain.NotifyStageActive:
					active++
					want := "Request " + r.Reference + " is waiting for your role's decision in " + c.words + ".\n"
					if !strings.HasPrefix(n.Body, want) || strings.Contains(n.Body, "_officer") {
						t.Errorf("stage.active on %s:\n%s\nwant it to begin %q", n.Channel, n.Body, want)
					}
				case domain.NotifySubmitted:
					if want := "  - " + c.words + ": decision due "; !strings.Contains(n.Body, want) {
						t.Errorf("receipt on %s:\n%s\nlacks %q", n.Channel, n.Body, want)
					}
				}
			}
			if active != 2 {
				t.Fatalf("%d stage.active rows, want an e-mail and an inbox row", active)
			}
		}
	})
}

// stageNamed is the id of the default policy's stage that a stage notice's
// body names in words (domain.StageWords), or "-" when it names none.
func stageNamed(body string) string {
	for _, s := range []struct {
		id   string
		role domain.Role
	}{{"intake", domain.RoleHNS}, {"range_safety", domain.RoleRange}, {"operations", domain.RoleOperations}, {"ministry", domain.RoleMinistry}} {
		if strings.Contains(body, domain.StageWords(s.id, s.role)) {
			return s.id
		}
	}
	return "-"
}
