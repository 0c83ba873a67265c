package storage_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
	"exaccess/storage/storagetest"
)

// seedInboxes gives lo-no 5 inbox rows (the last two created at the same
// instant, so the id breaks the tie) and 3 e-mail rows, and lo-de 2 inbox
// rows, all about request reqID.
func seedInboxes(t *testing.T, db *storage.DB, reqID string) (loNo, loDe string) {
	t.Helper()
	ctx := context.Background()
	loNo, loDe = userIDOf(t, db, "lo-no"), userIDOf(t, db, "lo-de")
	for _, s := range []struct {
		user, channel, prefix string
		n                     int
		start                 time.Time
	}{
		{loNo, domain.ChannelInbox, "no", 4, fixedNow},
		{loNo, domain.ChannelInbox, "no-tie", 1, fixedNow.Add(3 * time.Second)}, // same instant as no-00003
		{loNo, domain.ChannelEmail, "no-mail", 3, fixedNow},
		{loDe, domain.ChannelInbox, "de", 2, fixedNow.Add(time.Hour)},
	} {
		if err := db.SeedInboxForTest(ctx, s.user, s.channel, reqID, s.prefix, s.n, s.start); err != nil {
			t.Fatal(err)
		}
	}
	return loNo, loDe
}

// everyRequest is the reach of an approver: every stored request's rows.
var everyRequest = domain.RequestReach{All: true}

func userIDOf(t *testing.T, db *storage.DB, username string) string {
	t.Helper()
	u, err := db.GetUserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// walkInbox lists every page of username's inbox with page size limit and
// returns the ids in the order listed.
func walkInbox(t *testing.T, db *storage.DB, username string, unread bool, limit int) []string {
	t.Helper()
	var ids []string
	f := domain.InboxFilter{Username: username, Reach: everyRequest, UnreadOnly: unread, Limit: limit}
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatal("the inbox walk does not end")
		}
		page, err := db.ListInbox(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit {
			t.Fatalf("a page of %d items, asked for %d", len(page.Items), limit)
		}
		for _, it := range page.Items {
			ids = append(ids, it.ID)
		}
		if page.Next == nil {
			return ids
		}
		f.After = page.Next
	}
}

func TestInboxListsOwnRowsNewestFirst(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		seedInboxes(t, db, r.ID)
		want := "no-tie-00000,no-00003,no-00002,no-00001,no-00000"
		for _, limit := range []int{1, 2, 5, 50} {
			if got := strings.Join(walkInbox(t, db, "lo-no", false, limit), ","); got != want {
				t.Errorf("pages of %d: %s, want %s (inbox rows only, newest first, never lo-de's)", limit, got, want)
			}
		}
		page, err := db.ListInbox(context.Background(), domain.InboxFilter{Username: "lo-no", Reach: everyRequest, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		it := page.Items[0]
		if it.Kind != domain.NotifySubmitted || it.RequestID != r.ID || it.RequestNation != "NO" || it.Subject != "Subject no-tie-00000" ||
			it.Body != "Body no-tie-00000" || !it.CreatedAt.Equal(fixedNow.Add(3*time.Second)) || it.ReadAt != nil {
			t.Errorf("item %+v", it)
		}
		if got := walkInbox(t, db, "hns", false, 10); len(got) != 0 {
			t.Errorf("hns's inbox lists %v", got)
		}
		if got := walkInbox(t, db, "nobody", false, 10); len(got) != 0 {
			t.Errorf("an unknown user's inbox lists %v", got)
		}
		// More than the bound is clamped.
		page, err = db.ListInbox(context.Background(), domain.InboxFilter{Username: "lo-no", Reach: everyRequest, Limit: 100000})
		if err != nil || len(page.Items) != 5 {
			t.Fatalf("limit 100000: %d items, %v", len(page.Items), err)
		}
	})
}

func TestInboxUnreadAndMarkRead(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		seedInboxes(t, db, r.ID)
		count := func(user string, want int64) {
			t.Helper()
			if n, err := db.CountUnread(ctx, user, everyRequest, nil); err != nil || n != want {
				t.Fatalf("%s unread = %d, %v; want %d", user, n, err, want)
			}
		}
		count("lo-no", 5)
		count("lo-de", 2)
		count("nobody", 0)

		first := fixedNow.Add(time.Minute)
		if err := db.MarkRead(ctx, "lo-no", everyRequest, "no-00001", first); err != nil {
			t.Fatal(err)
		}
		count("lo-no", 4)
		// Marking it again keeps the first read time.
		if err := db.MarkRead(ctx, "lo-no", everyRequest, "no-00001", first.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		page, err := db.ListInbox(ctx, domain.InboxFilter{Username: "lo-no", Reach: everyRequest, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if (it.ID == "no-00001") != (it.ReadAt != nil) || (it.ReadAt != nil && !it.ReadAt.Equal(first)) {
				t.Errorf("%s read at %v; want only no-00001, at %v", it.ID, it.ReadAt, first)
			}
		}
		if got := strings.Join(walkInbox(t, db, "lo-no", true, 2), ","); got != "no-tie-00000,no-00003,no-00002,no-00000" {
			t.Errorf("unread only: %s", got)
		}
		// Another user's row, an e-mail row and an id that names nothing
		// are all not found, and change nothing.
		for _, id := range []string{"de-00000", "no-mail-00000", "no-such-id"} {
			wantCode(t, db.MarkRead(ctx, "lo-no", everyRequest, id, first), domain.CodeNotFound)
		}
		count("lo-de", 2)
		n, err := db.MarkAllRead(ctx, "lo-no", everyRequest, "", first)
		if err != nil || n != 4 {
			t.Fatalf("mark all read = %d, %v; want 4", n, err)
		}
		count("lo-no", 0)
		count("lo-de", 2)
		if n, err := db.MarkAllRead(ctx, "lo-no", everyRequest, "", first); err != nil || n != 0 {
			t.Fatalf("mark all read again = %d, %v; want 0", n, err)
		}
	})
}

// TestUnreadCountStops: past domain.MaxUnreadCount the count says
// MaxUnreadCount, and it counts again below it once rows are read.
func TestUnreadCountStops(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		lo := userIDOf(t, db, "lo-no")
		if err := db.SeedInboxForTest(ctx, lo, domain.ChannelInbox, "", "n", domain.MaxUnreadCount+2, fixedNow); err != nil {
			t.Fatal(err)
		}
		if n, err := db.CountUnread(ctx, "lo-no", domain.RequestReach{}, nil); err != nil || n != domain.MaxUnreadCount {
			t.Fatalf("unread = %d, %v; want %d", n, err, domain.MaxUnreadCount)
		}
		for _, id := range []string{"n-00000", "n-00001", "n-00002"} {
			if err := db.MarkRead(ctx, "lo-no", everyRequest, id, fixedNow); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.CountUnread(ctx, "lo-no", domain.RequestReach{}, nil); err != nil || n != domain.MaxUnreadCount-1 {
			t.Fatalf("unread = %d, %v; want %d", n, err, domain.MaxUnreadCount-1)
		}
	})
}

// TestInboxFilledByTheChange: a submission's inbox rows reach the liaison
// officers of the request's nation and the stage's role, unread.
func TestInboxFilledByTheChange(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		for user, kind := range map[string]string{"lo-no": domain.NotifySubmitted, "hns": domain.NotifyStageActive, "lo-de": ""} {
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: user, Reach: everyRequest, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.Kind)
				if it.RequestNation != "NO" || it.ReadAt != nil || !strings.Contains(it.Subject, "SE-2026-EXA-000042") {
					t.Errorf("%s: item %+v", user, it)
				}
			}
			if strings.Join(got, ",") != kind {
				t.Errorf("%s's inbox: %v, want %q", user, got, kind)
			}
		}
	})
}

// TestInboxQueriesUseTheirIndexes: on SQLite the list walks
// notifications_inbox_list without sorting and the count reads
// notifications_inbox, looking each row's request up by its key.
func TestInboxQueriesUseTheirIndexes(t *testing.T) {
	db := storagetest.Open(t, t.TempDir()+"/plan.db")
	for _, f := range []domain.InboxFilter{{Username: "lo-no", Reach: domain.RequestReach{Nation: "NO"}},
		{Username: "lo-no", Reach: everyRequest, After: &domain.InboxCursor{CreatedAt: fixedNow, ID: "x"}}} {
		plan, err := db.ExplainInboxForTest(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "notifications_inbox_list") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("list plan %q: want the notifications_inbox_list index, no sort", plan)
		}
		// The current state of each item's request (its status, whether
		// the role's stage is still open) is read by the same query: a
		// key lookup per row, never a scan.
		if strings.Contains(plan, "SCAN request_stages") || strings.Contains(plan, "SCAN requests") {
			t.Errorf("list plan %q: want key lookups of requests and request_stages", plan)
		}
	}
	plan, err := db.ExplainUnreadForTest("lo-no", domain.RequestReach{Nation: "NO"}, []domain.Role{domain.RoleLiaison})
	if err != nil {
		t.Fatal(err)
	}
	// Each unread row is joined to its request (for the reader's reach)
	// by the requests' key: a lookup per row, never a scan.
	if !strings.Contains(plan, "INDEX notifications_inbox ") || !strings.Contains(plan, "SEARCH requests USING") ||
		strings.Contains(plan, "SCAN requests") || strings.Contains(plan, "SCAN notifications") {
		t.Errorf("count plan %q: want the notifications_inbox index and a key lookup of requests", plan)
	}
}

// TestClaimUsesQueuedIndex: the delivery worker's claim walks the partial
// index of queued rows in its order, without sorting, in each of its
// scopes (e-mails, webhook rows past the busy webhooks).
func TestClaimUsesQueuedIndex(t *testing.T) {
	db := storagetest.Open(t, t.TempDir()+"/claim.db")
	for _, scope := range []domain.ClaimScope{{}, {Channels: domain.ClaimOtherRows, BusyWebhooks: []string{"a", "b"}},
		{Channels: domain.ClaimWebhookRows, BusyWebhooks: []string{"a"}}} {
		plan, err := db.ExplainClaimForTest(fixedNow, scope)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "INDEX notifications_queued ") || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("claim plan in scope %+v: %q: want the notifications_queued index, no sort", scope, plan)
		}
	}
}

// BenchmarkInboxUnread is the unread count every console page shows, for a
// user with 10,000 inbox rows (and as many e-mail rows) of which unread
// are all (the worst case: the count stops at domain.MaxUnreadCount) or none, on SQLite (and PostgreSQL when
// configured). docs/performance.md has the figures.
//
//	go test -run '^$' -bench InboxUnread -benchtime 2000x ./storage/
func BenchmarkInboxUnread(b *testing.B) {
	const n = 10000
	for _, c := range storagetest.Databases(b) {
		b.Run(c.Name, func(b *testing.B) {
			ctx := context.Background()
			db := storagetest.Open(b, c.DSN)
			u := &domain.User{ID: "u-bench", Username: "lo-bench", PasswordHash: "h", Roles: []domain.Role{domain.RoleLiaison},
				Nation: "NO", CreatedAt: fixedNow}
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.CreateUser(u) }); err != nil {
				b.Fatal(err)
			}
			for _, ch := range []string{domain.ChannelInbox, domain.ChannelEmail} {
				if err := db.SeedInboxForTest(ctx, u.ID, ch, "", "bench-"+ch, n, fixedNow); err != nil {
					b.Fatal(err)
				}
			}
			run := func(b *testing.B, want int64) {
				for range b.N {
					got, err := db.CountUnread(ctx, u.Username, everyRequest, nil)
					if err != nil || got != want {
						b.Fatalf("unread = %d, %v; want %d", got, err, want)
					}
				}
			}
			b.Run(fmt.Sprintf("unread=%d", n), func(b *testing.B) { run(b, domain.MaxUnreadCount) })
			b.Run("page=50", func(b *testing.B) {
				for range b.N {
					page, err := db.ListInbox(ctx, domain.InboxFilter{Username: u.Username, Reach: everyRequest, Limit: 50})
					if err != nil || len(page.Items) != 50 {
						b.Fatalf("%d items, %v", len(page.Items), err)
					}
				}
			})
			if _, err := db.MarkAllRead(ctx, u.Username, everyRequest, "", fixedNow); err != nil {
				b.Fatal(err)
			}
			b.Run("unread=0", func(b *testing.B) { run(b, 0) })
		})
	}
}
