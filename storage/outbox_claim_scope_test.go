package storage_test

import (
	"cmp"
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// TestOutboxClaimScope: the delivery worker claims e-mails and webhook rows
// apart, and no rows of the webhooks it is still delivering to. Rows
// without a webhook (e-mails, webhook_id NULL) are never left out by the
// busy webhooks.
func TestOutboxClaimScope(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		loNO := userIDOf(t, db, "lo-no")
		addWebhook(t, db, wid(300), loNO, "", "https://dead.example/hook")
		addWebhook(t, db, wid(301), loNO, "", "https://fast.example/hook")
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		now := fixedNow.Add(time.Second)
		claim := func(scope domain.ClaimScope) string {
			t.Helper()
			rows, err := db.ClaimNotifications(ctx, now, 10, time.Minute, scope)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, n := range rows {
				got = append(got, n.Channel+":"+cmp.Or(n.WebhookID, n.Address))
			}
			sort.Strings(got)
			return strings.Join(got, ",")
		}
		busy := []string{wid(300)}
		if got, want := claim(domain.ClaimScope{Channels: domain.ClaimOtherRows, BusyWebhooks: busy}),
			"email:hns@example.org,email:lo-no@example.org"; got != want {
			t.Errorf("e-mails claimed past a busy webhook: %s, want %s", got, want)
		}
		if got, want := claim(domain.ClaimScope{Channels: domain.ClaimWebhookRows, BusyWebhooks: busy}), "webhook:"+wid(301); got != want {
			t.Errorf("webhook rows claimed past the busy one: %s, want %s", got, want)
		}
		if got, want := claim(domain.ClaimScope{Channels: domain.ClaimWebhookRows}), "webhook:"+wid(300); got != want {
			t.Errorf("webhook rows claimed once it is no longer busy: %s, want %s", got, want)
		}
		if got := claim(domain.ClaimScope{}); got != "" {
			t.Errorf("claimed again within the leases: %s", got)
		}
	})
}
