package storage

import (
	"context"
	"time"

	"gorm.io/gorm"

	"exaccess/domain"
)

// Webhooks (migration 0011): endpoints that receive notifications signed
// as Standard Webhooks. The secret is stored in clear because signing each
// delivery needs it (a hash could only verify); it is read only by
// DeliveryWebhook, for the delivery worker, and never listed.

var _ domain.WebhookDirectory = (*DB)(nil)

type webhookRow struct {
	ID        string     `gorm:"column:id;primaryKey"`
	UserID    *string    `gorm:"column:user_id"`
	Role      *string    `gorm:"column:role"`
	URL       string     `gorm:"column:url"`
	Secret    string     `gorm:"column:secret"`
	CreatedBy string     `gorm:"column:created_by"`
	CreatedAt time.Time  `gorm:"column:created_at;autoCreateTime:false"`
	RevokedAt *time.Time `gorm:"column:revoked_at"`
}

func (webhookRow) TableName() string { return "webhooks" }

// webhookColumns are the columns read everywhere but for delivery: not the
// secret.
var webhookColumns = []string{"id", "user_id", "role", "url", "created_by", "created_at", "revoked_at"}

func newWebhookRow(w *domain.Webhook) webhookRow {
	row := webhookRow{ID: w.ID, URL: w.URL, Secret: w.Secret, CreatedBy: w.CreatedBy,
		CreatedAt: dbTime(w.CreatedAt), RevokedAt: dbTimePtr(w.RevokedAt)}
	if w.UserID != "" {
		row.UserID = &w.UserID
	}
	if w.Role != "" {
		role := string(w.Role)
		row.Role = &role
	}
	return row
}

func (r webhookRow) domain() domain.Webhook {
	return domain.Webhook{ID: r.ID, UserID: derefString(r.UserID), Role: domain.Role(derefString(r.Role)), URL: r.URL, Secret: r.Secret,
		CreatedBy: r.CreatedBy, CreatedAt: utc(r.CreatedAt), RevokedAt: utcPtr(r.RevokedAt)}
}

// ListWebhooks returns one page of one account's webhooks or every
// role's, newest first, by keyset on the time-ordered id (as
// ListRequests), without secrets. Revoked ones are listed too: they are
// not capped as active ones are (domain.MaxWebhooksPerID), so they page.
func (d *DB) ListWebhooks(ctx context.Context, f domain.WebhookFilter) (domain.WebhookPage, error) {
	limit := listLimit(f.Limit)
	q := d.reader.WithContext(ctx).Select(webhookColumns)
	if f.Roles {
		q = q.Where("role IS NOT NULL")
	} else {
		q = q.Where("user_id = ?", f.UserID)
	}
	if f.ID != "" {
		q = q.Where("id = ?", f.ID)
	}
	switch {
	case f.Active && !f.Revoked:
		q = q.Where("revoked_at IS NULL")
	case f.Revoked && !f.Active:
		q = q.Where("revoked_at IS NOT NULL")
	}
	if f.After != "" {
		q = q.Where("id < ?", f.After)
	}
	var rows []webhookRow
	if err := q.Order("id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return domain.WebhookPage{}, translate(err, "webhooks")
	}
	var page domain.WebhookPage
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextAfter = rows[limit-1].ID
	}
	page.Items = make([]domain.Webhook, len(rows))
	for i, r := range rows {
		page.Items[i] = r.domain()
	}
	return page, nil
}

// DeliveryWebhook reads a webhook with its secret, for signing a delivery.
func (d *DB) DeliveryWebhook(ctx context.Context, id string) (*domain.Webhook, error) {
	var row webhookRow
	if err := d.reader.WithContext(ctx).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, "webhook")
	}
	w := row.domain()
	return &w, nil
}

// CreateWebhook inserts w, secret included.
func (t *tx) CreateWebhook(w *domain.Webhook) error {
	row := newWebhookRow(w)
	return translate(t.g.Create(&row).Error, "webhook")
}

// GetWebhook reads one webhook without its secret.
func (t *tx) GetWebhook(id string) (*domain.Webhook, error) {
	var row webhookRow
	if err := t.g.Select(webhookColumns).Where("id = ?", id).Take(&row).Error; err != nil {
		return nil, translate(err, "webhook")
	}
	w := row.domain()
	return &w, nil
}

// RevokeWebhook sets revoked_at once; a second revocation is a conflict.
// The webhook's rows still queued are marked undeliverable in the same
// transaction, so that nothing more is sent to it (a row being sent at
// this moment may still arrive), rather than at each row's next attempt,
// which may be hours away.
func (t *tx) RevokeWebhook(id string, at time.Time) error {
	res := t.g.Model(&webhookRow{}).Where("id = ? AND revoked_at IS NULL", id).Update("revoked_at", dbTime(at))
	if res.Error != nil {
		return translate(res.Error, "webhook")
	}
	if res.RowsAffected == 0 {
		return domain.Errorf(domain.CodeConflict, "the webhook was already revoked")
	}
	_, err := t.withdrawQueued(domain.WebhookRevokedError, at, gorm.Expr(isQueued+" AND webhook_id = ?", id))
	return err
}

// CountActiveWebhooks counts the active webhooks of an account or a role.
// On PostgreSQL it first takes a transaction-scoped advisory lock of that
// account or role, so that two registrations at once count one after the
// other and cannot both pass the limit (domain.MaxWebhooksPerID) with the
// same count; SQLite's one writer serializes them already.
func (t *tx) CountActiveWebhooks(userID string, role domain.Role) (int, error) {
	if t.g.Dialector.Name() == DialectPostgres {
		key := "webhooks of user " + userID
		if role != "" {
			key = "webhooks of role " + string(role)
		}
		if err := t.g.Exec("SELECT pg_advisory_xact_lock(hashtext(?))", key).Error; err != nil {
			return 0, translate(err, "webhooks")
		}
	}
	q := t.g.Model(&webhookRow{}).Where("revoked_at IS NULL")
	if role != "" {
		q = q.Where("role = ?", string(role))
	} else {
		q = q.Where("user_id = ?", userID)
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return 0, translate(err, "webhooks")
	}
	return int(n), nil
}

// activeWebhooks reads, with their ids and URLs only, the active webhooks
// of the given accounts (by user id) or of one role.
func (t *tx) activeWebhooks(userIDs []string, role domain.Role) ([]webhookRow, error) {
	q := "SELECT id, user_id, role, url FROM webhooks WHERE revoked_at IS NULL AND "
	var args []any
	switch {
	case role != "":
		q, args = q+"role = ?", []any{string(role)}
	case len(userIDs) > 0:
		q += "user_id IN (" + placeholders(len(userIDs)) + ")"
		for _, id := range userIDs {
			args = append(args, id)
		}
	default:
		return nil, nil
	}
	rows, err := t.query(q+" ORDER BY id", args...)
	if err != nil {
		return nil, translate(err, "webhooks")
	}
	defer rows.Close()
	var out []webhookRow
	for rows.Next() {
		var w webhookRow
		if err := rows.Scan(&w.ID, &w.UserID, &w.Role, &w.URL); err != nil {
			return nil, translate(err, "webhooks")
		}
		out = append(out, w)
	}
	return out, translate(rows.Err(), "webhooks")
}
