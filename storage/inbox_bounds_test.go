package storage_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestMarkAllReadUpTo: with a bound, "mark all read" marks the bound's
// row and every row listed after it (older; at the same instant, the
// smaller id), across pages, and leaves unread a row that came after the
// reader saw the bound; a bound that is not one of the reader's inbox
// rows is not found and marks nothing.
func TestMarkAllReadUpTo(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		seedInboxes(t, db, r.ID) // no-00000…no-00003, no-tie-00000 at no-00003's instant
		loNo := userIDOf(t, db, "lo-no")
		// A row that arrives after the reader's page showed no-00003.
		if err := db.SeedInboxForTest(ctx, loNo, domain.ChannelInbox, r.ID, "later", 1, fixedNow.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		at := fixedNow.Add(2 * time.Minute)
		for _, id := range []string{"de-00000", "no-mail-00000", "no-such-id"} {
			if _, err := db.MarkAllRead(ctx, "lo-no", everyRequest, id, at); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("bound %s: %v, want not found", id, err)
			}
		}
		if n, err := db.CountUnread(ctx, "lo-no", everyRequest, nil); err != nil || n != 6 {
			t.Fatalf("unread after refused bounds = %d, %v; want 6", n, err)
		}
		// no-00003 and no-tie-00000 share an instant: the bound no-00003
		// takes the rows listed at or after it, not no-tie-00000.
		n, err := db.MarkAllRead(ctx, "lo-no", everyRequest, "no-00003", at)
		if err != nil || n != 4 {
			t.Fatalf("mark all read up to no-00003 = %d, %v; want 4", n, err)
		}
		if got := strings.Join(walkInbox(t, db, "lo-no", true, 1), ","); got != "later-00000,no-tie-00000" {
			t.Errorf("unread after marking up to no-00003: %s", got)
		}
		if n, err := db.MarkAllRead(ctx, "lo-no", everyRequest, "no-tie-00000", at); err != nil || n != 1 {
			t.Fatalf("mark all read up to no-tie-00000 = %d, %v; want 1", n, err)
		}
		if got := strings.Join(walkInbox(t, db, "lo-no", true, 5), ","); got != "later-00000" {
			t.Errorf("unread after marking up to no-tie-00000: %s", got)
		}
		if n, err := db.CountUnread(ctx, "lo-de", everyRequest, nil); err != nil || n != 2 {
			t.Errorf("lo-de's unread = %d, %v; want 2", n, err)
		}
	})
}

// TestInboxRoleNoLongerReceived: an unread row addressed to a role the
// reader no longer receives is still listed, but neither counted unread
// nor listed under "unread only"; one addressed to a role they receive,
// or to no role, is.
func TestInboxRoleNoLongerReceived(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		seedInboxes(t, db, r.ID)
		for id, role := range map[string]domain.Role{"no-00000": domain.RoleHNS, "no-00001": domain.RoleRange} {
			if err := db.SetAudienceRoleForTest(ctx, id, role); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			roles      []domain.Role
			unread     int64
			unreadOnly string
		}{
			{[]domain.Role{domain.RoleHNS, domain.RoleRange}, 5, "no-tie-00000,no-00003,no-00002,no-00001,no-00000"},
			{[]domain.Role{domain.RoleRange}, 4, "no-tie-00000,no-00003,no-00002,no-00001"},
			{nil, 3, "no-tie-00000,no-00003,no-00002"},
		} {
			if n, err := db.CountUnread(ctx, "lo-no", everyRequest, c.roles); err != nil || n != c.unread {
				t.Errorf("receiving %v: unread = %d, %v; want %d", c.roles, n, err, c.unread)
			}
			var ids []string
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: "lo-no", Reach: everyRequest, Roles: c.roles, UnreadOnly: true, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range page.Items {
				ids = append(ids, it.ID)
			}
			if got := strings.Join(ids, ","); got != c.unreadOnly {
				t.Errorf("receiving %v: unread only lists %s, want %s", c.roles, got, c.unreadOnly)
			}
			all, err := db.ListInbox(ctx, domain.InboxFilter{Username: "lo-no", Reach: everyRequest, Roles: c.roles, Limit: 10})
			if err != nil || len(all.Items) != 5 {
				t.Errorf("receiving %v: all lists %d, %v; want 5", c.roles, len(all.Items), err)
			}
		}
	})
}
