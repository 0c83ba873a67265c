package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// seedNotifyUsers creates a Norwegian and a German liaison officer and an
// HNS approver, each with an e-mail address.
func seedNotifyUsers(t *testing.T, db *storage.DB) {
	t.Helper()
	users := []domain.User{
		{Username: "lo-no", Roles: []domain.Role{domain.RoleLiaison}, Nation: "NO"},
		{Username: "lo-de", Roles: []domain.Role{domain.RoleLiaison}, Nation: "DE"},
		{Username: "hns", Roles: []domain.Role{domain.RoleHNS}},
	}
	for i := range users {
		u := users[i]
		u.ID, u.Email, u.CreatedAt, u.UpdatedAt = testID(t, 100+i), u.Username+"@example.org", fixedNow, fixedNow
		if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateUser(&u) }); err != nil {
			t.Fatal(err)
		}
	}
}

// submitInTx moves r to in review with an active HNS stage and appends the
// submission's audit entry, then returns fail (nil to commit).
func submitInTx(t *testing.T, db *storage.DB, r *domain.Request, fail error) error {
	return db.InTx(context.Background(), func(tx domain.Tx) error {
		at := fixedNow
		due := at.Add(72 * time.Hour)
		r.Status, r.Reference, r.SubmittedAt, r.DueAt = domain.StatusInReview, "SE-2026-EXA-000042", &at, &due
		r.Route = &domain.Route{Stages: []domain.Stage{{ID: "hns", Role: domain.RoleHNS, Order: 1,
			Status: domain.StageActive, ApprovalsRequired: 1, ActivatedAt: &at, DueAt: &due}}}
		r.Version++
		if err := tx.UpdateRequest(r, r.Version-1); err != nil {
			return err
		}
		if err := tx.AppendAudit(&domain.AuditEntry{At: at, Actor: "lo-no", Action: domain.AuditRequestSubmitted,
			RequestID: r.ID, RequestVersion: r.Version}); err != nil {
			return err
		}
		return fail
	})
}

func TestOutboxWrittenWithTheChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.Notifications(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var seen []string
		inbox := 0
		for _, n := range got {
			if n.Channel == domain.ChannelInbox {
				inbox++
				if n.Status != domain.DeliverySent || n.SentAt == nil || n.ReadAt != nil || !strings.HasSuffix(n.Key, ":inbox") {
					t.Errorf("inbox row %+v: want sent (delivered on commit), unread", n)
				}
				continue
			}
			seen = append(seen, n.Kind+"→"+n.Address)
			if n.Status != domain.DeliveryQueued || !strings.HasSuffix(n.Key, ":"+n.Recipient+":email") {
				t.Errorf("row %+v: want queued with key event:recipient:email", n)
			}
			if !strings.Contains(n.Subject, "SE-2026-EXA-000042") {
				t.Errorf("subject %q lacks the reference", n.Subject)
			}
		}
		sort.Strings(seen)
		want := "request.submitted→lo-no@example.org,stage.active→hns@example.org"
		if strings.Join(seen, ",") != want {
			t.Fatalf("notifications %v, want %s (never the German liaison officer)", seen, want)
		}
		if inbox != 2 {
			t.Fatalf("%d inbox rows, want one per e-mail", inbox)
		}
	})
}

func TestOutboxRolledBackWithTheChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		boom := errors.New("boom")
		if err := submitInTx(t, db, r, boom); !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		got, err := db.Notifications(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			t.Fatalf("a rolled-back change left %d notifications", len(got))
		}
		if n, _, err := db.OutboxChannelBacklog(context.Background(), ""); err != nil || n != 0 {
			t.Fatalf("backlog = %d, %v; want 0", n, err)
		}
	})
}

func TestOutboxClaimLeaseAndFinish(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		n, oldest, err := db.OutboxChannelBacklog(ctx, "")
		if err != nil || n != 2 || !oldest.Equal(fixedNow) {
			t.Fatalf("backlog = %d, %v, %v; want 2 since %v", n, oldest, err, fixedNow)
		}
		now := fixedNow.Add(time.Second)
		first, err := db.ClaimNotifications(ctx, now, 1, time.Minute, domain.ClaimScope{})
		if err != nil || len(first) != 1 || first[0].Attempts != 1 {
			t.Fatalf("first claim = %+v, %v; want one row on its first attempt", first, err)
		}
		second, err := db.ClaimNotifications(ctx, now, 10, time.Minute, domain.ClaimScope{})
		if err != nil || len(second) != 1 || second[0].ID == first[0].ID {
			t.Fatalf("second claim = %+v, %v; want the other row only", second, err)
		}
		if again, err := db.ClaimNotifications(ctx, now.Add(30*time.Second), 10, time.Minute, domain.ClaimScope{}); err != nil || len(again) != 0 {
			t.Fatalf("claim within the lease = %+v, %v; want none", again, err)
		}
		if err := db.FinishNotification(ctx, first[0].ID, domain.DeliverySent, "", now, now); err != nil {
			t.Fatal(err)
		}
		// The second worker died: its row comes back when the lease ends.
		back, err := db.ClaimNotifications(ctx, now.Add(2*time.Minute), 10, time.Minute, domain.ClaimScope{})
		if err != nil || len(back) != 1 || back[0].ID != second[0].ID || back[0].Attempts != 2 {
			t.Fatalf("claim after the lease = %+v, %v; want the unfinished row on attempt 2", back, err)
		}
		if n, _, err := db.OutboxChannelBacklog(ctx, ""); err != nil || n != 1 {
			t.Fatalf("backlog = %d, %v; want 1", n, err)
		}
	})
}

// TestOutboxReachesDelegates: a stage becoming active notifies the people
// its role is delegated to at that instant, not those of a later
// delegation.
func TestOutboxReachesDelegates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seedNotifyUsers(t, db)
		ctx := context.Background()
		err := db.InTx(ctx, func(tx domain.Tx) error {
			for i, name := range []string{"deputy", "later"} {
				u := domain.User{ID: testID(t, 200+i), Username: name, Roles: []domain.Role{domain.RoleOperations},
					Email: name + "@example.org", CreatedAt: fixedNow, UpdatedAt: fixedNow}
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
				start := fixedNow.Add(-time.Hour)
				if name == "later" {
					start = fixedNow.Add(time.Hour)
				}
				if err := tx.CreateDelegation(&domain.Delegation{ID: testID(t, 300+i), From: "hns", To: name,
					Role: domain.RoleHNS, Starts: start, Ends: fixedNow.Add(48 * time.Hour), CreatedAt: fixedNow}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var active []string
		for _, n := range got {
			if n.Kind == domain.NotifyStageActive && n.Channel == domain.ChannelEmail {
				active = append(active, n.Address)
			}
		}
		sort.Strings(active)
		if strings.Join(active, ",") != "deputy@example.org,hns@example.org" {
			t.Fatalf("stage.active went to %v, want the holder and the active delegate only", active)
		}
	})
}

// TestOutboxLargeAudience: an event for more accounts than one INSERT
// takes (200 rows) is written in several statements, every row once.
func TestOutboxLargeAudience(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		const officers = 150 // × inbox and e-mail = 300 rows, two statements
		err := db.InTx(context.Background(), func(tx domain.Tx) error {
			for i := range officers {
				u := domain.User{ID: testID(t, 1000+i), Username: fmt.Sprintf("lo-no-%03d", i), Roles: []domain.Role{domain.RoleLiaison},
					Nation: "NO", Email: fmt.Sprintf("lo%03d@example.org", i), CreatedAt: fixedNow, UpdatedAt: fixedNow}
				if err := tx.CreateUser(&u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		got, err := db.Notifications(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		submitted := 0
		for _, n := range got {
			keys[n.Key] = true
			if n.Kind == domain.NotifySubmitted {
				submitted++
			}
		}
		if submitted != 2*officers || len(keys) != len(got) {
			t.Fatalf("%d submission rows (%d distinct keys of %d), want %d", submitted, len(keys), len(got), 2*officers)
		}
	})
}
