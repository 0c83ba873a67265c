package storage_test

import (
	"context"
	"fmt"
	"sort"
	"testing"

	"exaccess/domain"
	"exaccess/storage"
)

// addWebhook stores a webhook of an account (userID) or of a role.
func addWebhook(t *testing.T, db *storage.DB, id, userID string, role domain.Role, url string) {
	t.Helper()
	w := &domain.Webhook{ID: id, UserID: userID, Role: role, URL: url, Secret: "whsec_" + id, CreatedBy: "admin", CreatedAt: fixedNow}
	if err := db.InTx(context.Background(), func(tx domain.Tx) error { return tx.CreateWebhook(w) }); err != nil {
		t.Fatal(err)
	}
}

// wid is a fixed webhook id.
func wid(n int) string { return fmt.Sprintf("wh-%03d", n) }

// TestOutboxHonoursChannelsAndWebhooks: each account's own active webhooks
// get a row each, a role's webhooks one row per stage event and none of
// the nation's events, and a channel turned off gets no row.
func TestOutboxHonoursChannelsAndWebhooks(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		loNO, loDE, hns := userIDOf(t, db, "lo-no"), userIDOf(t, db, "lo-de"), userIDOf(t, db, "hns")
		addWebhook(t, db, wid(200), loNO, "", "https://no.example/hook")
		addWebhook(t, db, wid(201), loNO, "", "https://no.example/revoked")
		addWebhook(t, db, wid(202), loDE, "", "https://de.example/hook")
		addWebhook(t, db, wid(203), "", domain.RoleHNS, "https://hns.example/role")
		addWebhook(t, db, wid(204), "", domain.RoleRange, "https://range.example/role")
		addWebhook(t, db, wid(205), hns, "", "https://hns.example/mine")
		err := db.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.RevokeWebhook(wid(201), fixedNow); err != nil {
				return err
			}
			// lo-no takes no e-mail of submissions; hns no inbox row of active stages.
			if err := tx.SetNotificationOptOuts(loNO, []domain.ChannelSetting{{Kind: domain.NotifySubmitted, Channel: domain.ChannelEmail}}); err != nil {
				return err
			}
			return tx.SetNotificationOptOuts(hns, []domain.ChannelSetting{{Kind: domain.NotifyStageActive, Channel: domain.ChannelInbox}})
		})
		if err != nil {
			t.Fatal(err)
		}
		r := newDraft(testID(t, 1), "NO")
		createRequest(t, db, r)
		if err := submitInTx(t, db, r, nil); err != nil {
			t.Fatal(err)
		}
		rows, err := db.Notifications(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, n := range rows {
			who := n.Recipient
			switch who {
			case loNO:
				who = "lo-no"
			case loDE:
				who = "lo-de"
			case hns:
				who = "hns"
			case "":
				who = "(role)"
			}
			got = append(got, n.Kind+" "+who+" "+n.Channel+" "+n.Address)
			if n.Channel == domain.ChannelWebhook && (n.WebhookID == "" || n.Status != domain.DeliveryQueued) {
				t.Errorf("webhook row %+v: want a webhook id, queued", n)
			}
		}
		sort.Strings(got)
		want := []string{
			"request.submitted lo-no inbox ",
			"request.submitted lo-no webhook https://no.example/hook",
			"stage.active (role) webhook https://hns.example/role",
			"stage.active hns email hns@example.org",
			"stage.active hns webhook https://hns.example/mine",
		}
		if len(got) != len(want) {
			t.Fatalf("rows:\n%v\nwant\n%v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("rows:\n%v\nwant\n%v", got, want)
			}
		}
	})
}

// TestWebhookSecretIsReadOnlyForDelivery: lists carry no secret; the
// delivery read does, revoked or not.
func TestWebhookSecretIsReadOnlyForDelivery(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		loNO := userIDOf(t, db, "lo-no")
		addWebhook(t, db, wid(200), loNO, "", "https://no.example/hook")
		addWebhook(t, db, wid(201), "", domain.RoleHNS, "https://hns.example/role")
		minePage, err := db.ListWebhooks(ctx, domain.WebhookFilter{UserID: loNO})
		mine := minePage.Items
		if err != nil || len(mine) != 1 || mine[0].Secret != "" || mine[0].URL != "https://no.example/hook" || !mine[0].Active() {
			t.Fatalf("own list %+v, %v: want one active webhook without its secret", mine, err)
		}
		rolesPage, err := db.ListWebhooks(ctx, domain.WebhookFilter{Roles: true})
		roles := rolesPage.Items
		if err != nil || len(roles) != 1 || roles[0].Role != domain.RoleHNS || roles[0].Secret != "" {
			t.Fatalf("role list %+v, %v", roles, err)
		}
		err = db.InTx(ctx, func(tx domain.Tx) error {
			if err := tx.RevokeWebhook(wid(200), fixedNow); err != nil {
				return err
			}
			if err := tx.RevokeWebhook(wid(200), fixedNow); domain.ErrorCode(err) != domain.CodeConflict {
				t.Errorf("second revocation: %v, want conflict", err)
			}
			n, err := tx.CountActiveWebhooks(loNO, "")
			if n != 0 || err != nil {
				t.Errorf("active after revocation: %d, %v", n, err)
			}
			w, err := tx.GetWebhook(wid(200))
			if err != nil || w.Secret != "" || w.RevokedAt == nil {
				t.Errorf("GetWebhook %+v, %v: want revoked, no secret", w, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		w, err := db.DeliveryWebhook(ctx, wid(200))
		if err != nil || w.Secret != "whsec_"+wid(200) || w.Active() {
			t.Fatalf("delivery read %+v, %v: want the secret, revoked", w, err)
		}
		if _, err := db.DeliveryWebhook(ctx, "nope"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("unknown webhook: %v", err)
		}
	})
}

// TestNotificationOptOutsReplace: setting opt-outs replaces the old ones.
func TestNotificationOptOutsReplace(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		u := userIDOf(t, db, "lo-no")
		set := func(off ...domain.ChannelSetting) {
			if err := db.InTx(ctx, func(tx domain.Tx) error { return tx.SetNotificationOptOuts(u, off) }); err != nil {
				t.Fatal(err)
			}
		}
		set(domain.ChannelSetting{Kind: domain.NotifyApproved, Channel: domain.ChannelEmail},
			domain.ChannelSetting{Kind: domain.NotifyRejected, Channel: domain.ChannelInbox})
		set(domain.ChannelSetting{Kind: domain.NotifyWithdrawn, Channel: domain.ChannelWebhook})
		got, err := db.NotificationOptOuts(ctx, u)
		if err != nil || len(got) != 1 || got[0].Kind != domain.NotifyWithdrawn || got[0].Channel != domain.ChannelWebhook {
			t.Fatalf("opt-outs %+v, %v: want only the last set", got, err)
		}
	})
}
