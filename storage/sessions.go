package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"exaccess/domain"

	"gorm.io/gorm"
)

// sessionRow is one web console session. Its id is the hash of the cookie's
// secret, so a copy of the table signs nobody in.
type sessionRow struct {
	ID         string    `gorm:"column:id;primaryKey"`
	Username   string    `gorm:"column:username"`
	Generation int64     `gorm:"column:generation"`
	CSRF       string    `gorm:"column:csrf"`
	CreatedAt  time.Time `gorm:"column:created_at;autoCreateTime:false"`
	ExpiresAt  time.Time `gorm:"column:expires_at"`
}

func (sessionRow) TableName() string { return "console_sessions" }

// CreateSession stores a new session.
func (d *DB) CreateSession(ctx context.Context, s domain.Session) error {
	row := sessionRow{ID: s.ID, Username: s.Username, Generation: s.Generation, CSRF: s.CSRF, CreatedAt: dbTime(s.CreatedAt), ExpiresAt: dbTime(s.ExpiresAt)}
	if err := d.writer.WithContext(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("storage: create session: %w", err)
	}
	return nil
}

// GetSession returns the session with the given id (hash), or not_found.
func (d *DB) GetSession(ctx context.Context, id string) (*domain.Session, error) {
	var row sessionRow
	err := d.reader.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		return nil, domain.ErrNotFound("session")
	case err != nil:
		return nil, fmt.Errorf("storage: read session: %w", err)
	}
	return &domain.Session{ID: row.ID, Username: row.Username, Generation: row.Generation, CSRF: row.CSRF,
		CreatedAt: row.CreatedAt.UTC(), ExpiresAt: row.ExpiresAt.UTC()}, nil
}

// SetSessionFlash keeps text for the session's next page that takes it
// (migration 0016), replacing any flash not yet taken.
func (d *DB) SetSessionFlash(ctx context.Context, id, text string) error {
	if err := d.writer.WithContext(ctx).Model(&sessionRow{}).Where("id = ?", id).Update("flash", text).Error; err != nil {
		return fmt.Errorf("storage: set session flash: %w", err)
	}
	return nil
}

// TakeSessionFlash takes the session's flash only when it starts with
// prefix, and returns the rest: "" when none waits or the flash is
// another's, which it leaves in place untouched. The flash is one slot
// shared by the pages that show something once, each with its own prefix.
// The take is a compare-and-set on the value read: it clears the flash
// only while it still holds that value, so of two pages that ask at once
// one gets it, and a flash set meanwhile (by another tab) is neither
// taken under the old one's prefix nor lost. With prefix "" it takes any.
func (d *DB) TakeSessionFlash(ctx context.Context, id, prefix string) (string, error) {
	for range 8 { // each retry follows another writer's change of the slot
		var rows []struct{ Flash *string }
		if err := d.writer.WithContext(ctx).Model(&sessionRow{}).Select("flash").Where("id = ?", id).Find(&rows).Error; err != nil {
			return "", fmt.Errorf("storage: read session flash: %w", err)
		}
		if len(rows) == 0 || rows[0].Flash == nil || *rows[0].Flash == "" {
			return "", nil
		}
		flash := *rows[0].Flash
		rest, ok := strings.CutPrefix(flash, prefix)
		if !ok {
			return "", nil // another page's: left as it is
		}
		res := d.writer.WithContext(ctx).Model(&sessionRow{}).Where("id = ? AND flash = ?", id, flash).Update("flash", nil)
		if res.Error != nil {
			return "", fmt.Errorf("storage: take session flash: %w", res.Error)
		}
		if res.RowsAffected == 1 {
			return rest, nil
		}
		// Taken or replaced since it was read: read what is there now.
	}
	return "", nil
}

// DeleteSession ends one session; ending one that is gone is not an error.
func (d *DB) DeleteSession(ctx context.Context, id string) error {
	if err := d.writer.WithContext(ctx).Where("id = ?", id).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("storage: delete session: %w", err)
	}
	return nil
}

// DeleteUserSessions ends every session of a user (a disabled or changed
// account).
func (d *DB) DeleteUserSessions(ctx context.Context, username string) error {
	if err := d.writer.WithContext(ctx).Where("username = ?", username).Delete(&sessionRow{}).Error; err != nil {
		return fmt.Errorf("storage: delete sessions: %w", err)
	}
	return nil
}

// DeleteSessionsBefore removes the sessions that expired before t and
// returns how many.
func (d *DB) DeleteSessionsBefore(ctx context.Context, t time.Time) (int64, error) {
	res := d.writer.WithContext(ctx).Where("expires_at < ?", dbTime(t)).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("storage: purge sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
