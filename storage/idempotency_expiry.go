package storage

import (
	"context"
	"time"
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
