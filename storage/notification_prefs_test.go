package storage_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"exaccess/domain"
	"exaccess/storage"
)

// settingsEntries are the notification_settings.updated entries of the log.
func settingsEntries(t *testing.T, db *storage.DB) []domain.AuditEntry {
	t.Helper()
	entries, err := db.ListAudit(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.AuditEntry
	for _, e := range entries {
		if e.Action == domain.AuditNotificationSettingsUpdated {
			out = append(out, e)
		}
	}
	return out
}

// cells renders a list of {kind, channel} objects of an entry's data.
func cells(v any) string {
	var out []string
	for _, c := range v.([]any) {
		m := c.(map[string]any)
		out = append(out, fmt.Sprint(m["kind"], "/", m["channel"]))
	}
	return fmt.Sprint(out)
}

// TestNotificationSettingsAudited: a change of one's notification settings
// is an audit entry written with it — who, and what is off, turned off and
// turned on — and saving them unchanged is none; a change that fails, at
// the opt-outs or at the entry, leaves neither the settings nor an entry.
func TestNotificationSettingsAudited(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		seedNotifyUsers(t, db)
		hns := userIDOf(t, db, "hns")
		store := &faultyStore{DB: db}
		svc := domain.NewNotificationService(store, func() time.Time { return fixedNow }, func() string { return testID(t, 500) })
		p := domain.Principal{Subject: "hns", Roles: []domain.Role{domain.RoleHNS}}
		set := func(off ...string) error {
			var in []domain.ChannelSetting
			for _, k := range off {
				in = append(in, domain.ChannelSetting{Kind: k, Channel: domain.ChannelEmail})
			}
			in = append(in, domain.ChannelSetting{Kind: domain.NotifyApproved, Channel: domain.ChannelInbox, Enabled: true})
			_, err := svc.SetSettings(ctx, p, in)
			return err
		}
		optOuts := func() string {
			off, err := db.NotificationOptOuts(ctx, hns)
			if err != nil {
				t.Fatal(err)
			}
			return fmt.Sprint(off)
		}

		if err := set(domain.NotifyStageActive, domain.NotifyStageOverdue); err != nil {
			t.Fatal(err)
		}
		got := settingsEntries(t, db)
		if len(got) != 1 {
			t.Fatalf("%d settings entries after a change, want 1", len(got))
		}
		e := got[0]
		if e.Actor != "hns" || e.RequestID != "" || e.Data["user_id"] != hns || !e.At.Equal(fixedNow) ||
			cells(e.Data["off"]) != "[stage.active/email stage.overdue/email]" ||
			cells(e.Data["turned_off"]) != "[stage.active/email stage.overdue/email]" || cells(e.Data["turned_on"]) != "[]" {
			t.Errorf("the entry: %+v", e)
		}

		// The same settings again change nothing and record nothing.
		if err := set(domain.NotifyStageActive, domain.NotifyStageOverdue); err != nil {
			t.Fatal(err)
		}
		if n := len(settingsEntries(t, db)); n != 1 {
			t.Errorf("%d settings entries after saving unchanged settings, want 1", n)
		}

		// A failing change writes neither the settings nor an entry.
		stored := optOuts()
		for _, fault := range []struct {
			name string
			set  func(bool)
			err  error
		}{
			{"the entry fails", func(on bool) { store.failAppend = on }, errAppend},
			{"the opt-outs fail", func(on bool) { store.failOptOuts = on }, errOptOuts},
		} {
			fault.set(true)
			if err := set(domain.NotifyStageDueSoon); !errors.Is(err, fault.err) {
				t.Errorf("%s: %v, want its error", fault.name, err)
			}
			fault.set(false)
			if got := optOuts(); got != stored {
				t.Errorf("%s: the settings are %s, want them as they were, %s", fault.name, got, stored)
			}
			if n := len(settingsEntries(t, db)); n != 1 {
				t.Errorf("%s: %d settings entries, want still 1", fault.name, n)
			}
		}

		// Turning one back on and another off: both named.
		if err := set(domain.NotifyStageOverdue, domain.NotifyStageDueSoon); err != nil {
			t.Fatal(err)
		}
		got = settingsEntries(t, db)
		if len(got) != 2 {
			t.Fatalf("%d settings entries, want 2", len(got))
		}
		if e := got[1]; cells(e.Data["off"]) != "[stage.due_soon/email stage.overdue/email]" ||
			cells(e.Data["turned_off"]) != "[stage.due_soon/email]" || cells(e.Data["turned_on"]) != "[stage.active/email]" {
			t.Errorf("the second entry: %+v", e.Data)
		}
	})
}
