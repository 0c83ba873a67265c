package storage

import (
	"context"
	"time"

	"exaccess/domain"
)

// DeleteIdempotencyBefore forgets principal's idempotency keys recorded
// before `before`, inside the creating transaction: a key past its time can
// then be used again. The primary key (principal, idempotency_key) serves
// the lookup.
func (t *tx) DeleteIdempotencyBefore(principal string, before time.Time) error {
	err := t.g.Where("principal = ? AND created_at < ?", principal, dbTime(before)).Delete(&idempotencyRow{}).Error
	return translate(err, "idempotency keys")
}

// PurgeIdempotencyBefore deletes every idempotency key recorded before
// `before`, for a periodic sweep that also catches users who never create
// again. It scans the table (no index on created_at), which is fine for a
// sweep every hour or so.
func (d *DB) PurgeIdempotencyBefore(ctx context.Context, before time.Time) (int64, error) {
	res := d.writer.WithContext(ctx).Where("created_at < ?", dbTime(before)).Delete(&idempotencyRow{})
	return res.RowsAffected, translate(res.Error, "idempotency keys")
}

type idempotencyRow struct {
	Principal      string    `gorm:"column:principal;primaryKey"`
	IdempotencyKey string    `gorm:"column:idempotency_key;primaryKey"`
	Fingerprint    string    `gorm:"column:fingerprint"`
	RequestID      string    `gorm:"column:request_id"`
	Response       []byte    `gorm:"column:response"`
	CreatedAt      time.Time `gorm:"column:created_at;autoCreateTime:false"`
}

func (idempotencyRow) TableName() string { return "idempotency_keys" }

func newIdempotencyRow(rec domain.IdempotencyRecord) idempotencyRow {
	// An empty response is stored as zero bytes, not NULL.
	resp := append([]byte{}, rec.Response...)
	return idempotencyRow{Principal: rec.Principal, IdempotencyKey: rec.Key, Fingerprint: rec.Fingerprint,
		RequestID: rec.RequestID, Response: resp, CreatedAt: dbTime(rec.CreatedAt)}
}

func toDomainIdempotency(row idempotencyRow) *domain.IdempotencyRecord {
	return &domain.IdempotencyRecord{Principal: row.Principal, Key: row.IdempotencyKey, Fingerprint: row.Fingerprint,
		RequestID: row.RequestID, Response: row.Response, CreatedAt: utc(row.CreatedAt)}
}

// GetIdempotency returns the first response recorded for principal and key.
func (t *tx) GetIdempotency(principal, key string) (*domain.IdempotencyRecord, error) {
	var row idempotencyRow
	err := t.g.Where("principal = ? AND idempotency_key = ?", principal, key).Take(&row).Error
	if err != nil {
		return nil, translate(err, "idempotency key")
	}
	return toDomainIdempotency(row), nil
}

// PutIdempotency records a first response; the same principal and key again
// is a conflict.
func (t *tx) PutIdempotency(rec domain.IdempotencyRecord) error {
	row := newIdempotencyRow(rec)
	return translate(t.g.Create(&row).Error, "idempotency key")
}
