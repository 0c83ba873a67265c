package storage

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// SeedInboxForTest writes n notification rows for the account recipient on
// channel (inbox rows delivered, e-mail rows queued), about requestID, the
// i-th created at start+i seconds, with ids prefix-00000, prefix-00001, …;
// in batches, so that a benchmark can seed thousands quickly.
func (d *DB) SeedInboxForTest(ctx context.Context, recipient, channel, requestID, prefix string, n int, start time.Time) error {
	rows := make([]notificationRow, n)
	for i := range rows {
		id := fmt.Sprintf("%s-%05d", prefix, i)
		at := dbTime(start.Add(time.Duration(i) * time.Second))
		r := recipient
		rows[i] = notificationRow{ID: id, IdempotencyKey: id, Kind: domain.NotifySubmitted, Recipient: &r,
			Channel: channel, RequestID: requestID, Subject: "Subject " + id, Body: "Body " + id,
			Status: domain.DeliveryQueued, CreatedAt: at, NextAttemptAt: at}
		if channel == domain.ChannelInbox {
			rows[i].Status, rows[i].SentAt = domain.DeliverySent, &at
		}
	}
	return d.writer.WithContext(ctx).CreateInBatches(rows, 500).Error
}

// SetAudienceRoleForTest addresses the inbox row id to role, as the
// outbox writes a row of a role's notice.
func (d *DB) SetAudienceRoleForTest(ctx context.Context, id string, role domain.Role) error {
	return d.writer.WithContext(ctx).Table("notifications").Where("id = ?", id).Update("audience_role", string(role)).Error
}

// ExplainInboxForTest explains the very SQL ListInbox runs for f (SQLite).
func (d *DB) ExplainInboxForTest(f domain.InboxFilter) (string, error) {
	g := d.reader
	sql := g.ToSQL(func(tx *gorm.DB) *gorm.DB { return inboxQuery(tx, f, 50).Scan(&[]inboxRow{}) })
	return explainPlan(g, sql)
}

// ExplainUnreadForTest explains CountUnread's SQL (SQLite).
func (d *DB) ExplainUnreadForTest(username string, reach domain.RequestReach, roles []domain.Role) (string, error) {
	g := d.reader
	sql := g.ToSQL(func(tx *gorm.DB) *gorm.DB {
		var n int64
		return unreadQuery(tx, username, reach, roles).Scan(&n)
	})
	return explainPlan(g, sql)
}

// ExplainClaimForTest explains the SELECT of ClaimNotifications in scope (SQLite).
func (d *DB) ExplainClaimForTest(now time.Time, scope domain.ClaimScope) (string, error) {
	g := d.reader
	sql := g.ToSQL(func(tx *gorm.DB) *gorm.DB { return claimQuery(tx, now, 50, scope).Find(&[]notificationRow{}) })
	return explainPlan(g, sql)
}
