package storage_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestInboxShowsOnlyWhatTheReaderMayOpen: an inbox row about a request
// shows only within the reader's reach (their nation's requests, or every
// stored request for an approver); a row about no request always shows;
// the unread count counts exactly the rows the list shows.
func TestInboxShowsOnlyWhatTheReaderMayOpen(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		no, de := newDraft(testID(t, 1), "NO"), newDraft(testID(t, 2), "DE")
		createRequest(t, db, no)
		createRequest(t, db, de)
		lo := userIDOf(t, db, "lo-no")
		for _, s := range []struct{ request, prefix string }{{no.ID, "no"}, {de.ID, "de"}, {"", "none"}, {testID(t, 3), "gone"}} {
			if err := db.SeedInboxForTest(ctx, lo, domain.ChannelInbox, s.request, s.prefix, 1, fixedNow); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name  string
			reach domain.RequestReach
			want  []string
		}{
			{"Norway's liaison officer", domain.RequestReach{Nation: "NO"}, []string{"no-00000", "none-00000"}},
			{"moved to Germany", domain.RequestReach{Nation: "DE"}, []string{"de-00000", "none-00000"}},
			{"an approver", domain.RequestReach{All: true}, []string{"de-00000", "no-00000", "none-00000"}},
			{"no reading role", domain.RequestReach{}, []string{"none-00000"}},
		} {
			page, err := db.ListInbox(ctx, domain.InboxFilter{Username: "lo-no", Reach: c.reach, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range page.Items {
				got = append(got, it.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("%s: lists %v, want %v", c.name, got, c.want)
			}
			if n, err := db.CountUnread(ctx, "lo-no", c.reach, nil); err != nil || n != int64(len(c.want)) {
				t.Errorf("%s: unread = %d, %v; want %d", c.name, n, err, len(c.want))
			}
		}
		// Marking read reaches the same rows: moved to Germany, the officer
		// cannot mark Norway's row, and "mark all" marks and counts only
		// what the list shows.
		inDE := domain.RequestReach{Nation: "DE"}
		wantCode(t, db.MarkRead(ctx, "lo-no", inDE, "no-00000", fixedNow), domain.CodeNotFound)
		if n, err := db.MarkAllRead(ctx, "lo-no", inDE, "", fixedNow); err != nil || n != 2 {
			t.Fatalf("mark all read within Germany's reach = %d, %v; want 2", n, err)
		}
		if n, err := db.CountUnread(ctx, "lo-no", domain.RequestReach{Nation: "NO"}, nil); err != nil || n != 1 {
			t.Fatalf("Norway's row after marking Germany's read: unread %d, %v; want 1", n, err)
		}
		if err := db.MarkRead(ctx, "lo-no", domain.RequestReach{All: true}, "no-00000", fixedNow); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWithdrawQueuedDeliveries: the account's queued e-mail and webhook
// rows become undeliverable with the reason; its sent rows, its inbox rows
// and other accounts' rows keep their state.
func TestWithdrawQueuedDeliveries(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		lo, other := userIDOf(t, db, "lo-no"), userIDOf(t, db, "lo-de")
		for _, s := range []struct{ user, channel, prefix string }{
			{lo, domain.ChannelEmail, "mail"}, {lo, domain.ChannelWebhook, "hook"}, {lo, domain.ChannelInbox, "inbox"},
			{lo, domain.ChannelEmail, "sent"}, {other, domain.ChannelEmail, "other"},
		} {
			if err := db.SeedInboxForTest(ctx, s.user, s.channel, r.ID, s.prefix, 2, fixedNow); err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range []string{"sent-00000", "sent-00001"} {
			if err := db.FinishNotification(ctx, id, domain.DeliverySent, "", fixedNow, fixedNow); err != nil {
				t.Fatal(err)
			}
		}
		at := fixedNow.Add(time.Hour)
		var n int64
		err := db.InTx(ctx, func(tx domain.Tx) (err error) {
			n, err = tx.WithdrawQueuedDeliveries(lo, at)
			return err
		})
		if err != nil || n != 4 {
			t.Fatalf("withdrew %d, %v; want 4", n, err)
		}
		rows, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			withdrawn := row.Status == domain.DeliveryUndeliverable && row.LastError == domain.AccessChangedError
			want := row.Recipient == lo && row.Status != domain.DeliverySent && row.Channel != domain.ChannelInbox
			if row.ID[:4] == "mail" || row.ID[:4] == "hook" {
				want = true
			}
			if withdrawn != want {
				t.Errorf("%s (%s, %s): withdrawn %v, want %v", row.ID, row.Channel, row.Status, withdrawn, want)
			}
		}
		// A delivery that was in flight when the rows were withdrawn
		// reports afterwards: the withdrawal stands (not sent, not queued again).
		for _, status := range []string{domain.DeliverySent, domain.DeliveryQueued} {
			if err := db.FinishNotification(ctx, "mail-00000", status, "", at, at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		rows, err = db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rows {
			if row.ID == "mail-00000" && (row.Status != domain.DeliveryUndeliverable || row.SentAt != nil) {
				t.Errorf("a withdrawn row after a late outcome: %s, sent_at %v; want undeliverable", row.Status, row.SentAt)
			}
		}
	})
}

// TestWithdrawSearchesAnIndex: withdrawing an account's queued rows finds
// them through an index (the queued ones, or the account's), never by
// reading the whole outbox (SQLite's plan), also without the recipient-only
// index that migration 0017 dropped: since migration 0018, the account's
// queued rows by their partial index. So does re-addressing them, and
// withdrawing their notices about one delegation.
func TestWithdrawSearchesAnIndex(t *testing.T) {
	db := openSQLite(t)
	for name, explain := range map[string]func() (string, error){
		"withdraw": db.ExplainWithdrawForTest, "re-address": db.ExplainReaddressForTest,
		"withdraw a delegation's": db.ExplainWithdrawDelegationForTest} {
		plan, err := explain()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(plan, "SEARCH notifications USING INDEX notifications_queued_recipient") {
			t.Errorf("%s plan %q, want a search of the account's queued rows", name, plan)
		}
	}
}
