package storage

import (
	"context"

	"gorm.io/gorm"

	"exaccess/domain"
)

// Channel opt-outs (migration 0011): a row turns one channel off for one
// kind of event for one account; no row means on.

type optOutRow struct {
	UserID  string `gorm:"column:user_id;primaryKey"`
	Kind    string `gorm:"column:kind;primaryKey"`
	Channel string `gorm:"column:channel;primaryKey"`
}

func (optOutRow) TableName() string { return "notification_optouts" }

// NotificationOptOuts are the (kind, channel) pairs the account turned off.
func (d *DB) NotificationOptOuts(ctx context.Context, userID string) ([]domain.ChannelSetting, error) {
	var rows []optOutRow
	if err := d.reader.WithContext(ctx).Where("user_id = ?", userID).Order("kind, channel").Find(&rows).Error; err != nil {
		return nil, translate(err, "notification settings")
	}
	out := make([]domain.ChannelSetting, len(rows))
	for i, r := range rows {
		out[i] = domain.ChannelSetting{Kind: r.Kind, Channel: r.Channel}
	}
	return out, nil
}

// SetNotificationOptOuts replaces the account's opt-outs with off.
func (t *tx) SetNotificationOptOuts(userID string, off []domain.ChannelSetting) error {
	if err := t.g.Where("user_id = ?", userID).Delete(&optOutRow{}).Error; err != nil {
		return translate(err, "notification settings")
	}
	for _, o := range off {
		row := optOutRow{UserID: userID, Kind: o.Kind, Channel: o.Channel}
		if err := t.g.Create(&row).Error; err != nil {
			return translate(err, "notification settings")
		}
	}
	return nil
}

// optedOut reads which of the accounts turned which channels off for kind:
// user id → channel → true.
func optedOut(g *gorm.DB, userIDs []string, kind string) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []optOutRow
	if err := g.Where("kind = ? AND user_id IN ?", kind, userIDs).Find(&rows).Error; err != nil {
		return nil, translate(err, "notification settings")
	}
	for _, r := range rows {
		if out[r.UserID] == nil {
			out[r.UserID] = map[string]bool{}
		}
		out[r.UserID][r.Channel] = true
	}
	return out, nil
}
