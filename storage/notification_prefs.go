package storage

import (
	"context"

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

// NotificationOptOuts are the (kind, channel) pairs the account turned off,
// read in the transaction.
func (t *tx) NotificationOptOuts(userID string) ([]domain.ChannelSetting, error) {
	var rows []optOutRow
	if err := t.g.Where("user_id = ?", userID).Order("kind, channel").Find(&rows).Error; err != nil {
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
func (t *tx) optedOut(userIDs []string, kind string) (map[string]map[string]bool, error) {
	out := map[string]map[string]bool{}
	if len(userIDs) == 0 {
		return out, nil
	}
	args := []any{kind}
	for _, id := range userIDs {
		args = append(args, id)
	}
	rows, err := t.query("SELECT user_id, channel FROM notification_optouts WHERE kind = ? AND user_id IN ("+
		placeholders(len(userIDs))+")", args...)
	if err != nil {
		return nil, translate(err, "notification settings")
	}
	defer rows.Close()
	for rows.Next() {
		var user, channel string
		if err := rows.Scan(&user, &channel); err != nil {
			return nil, translate(err, "notification settings")
		}
		if out[user] == nil {
			out[user] = map[string]bool{}
		}
		out[user][channel] = true
	}
	return out, translate(rows.Err(), "notification settings")
}
