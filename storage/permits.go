package storage

import (
	"context"

	"exaccess/domain"
)

// RequestIDByReference finds a request by its human reference;
// CodeNotFound when none has it.
func (d *DB) RequestIDByReference(ctx context.Context, reference string) (string, error) {
	var ids []string
	err := d.reader.WithContext(ctx).Model(&requestRow{}).Where("reference = ?", reference).Limit(1).Pluck("id", &ids).Error
	if err != nil {
		return "", translate(err, "request")
	}
	if len(ids) == 0 {
		return "", domain.ErrNotFound("request")
	}
	return ids[0], nil
}

// ApprovalAuditIndex is the index of the audit entry of the last decision
// on request id — for an approved request, the approval; CodeNotFound
// when it has none.
func (d *DB) ApprovalAuditIndex(ctx context.Context, id string) (int64, error) {
	var idx []int64
	err := d.reader.WithContext(ctx).Model(&auditRow{}).Where("request_id = ? AND action = ?", id, domain.AuditRequestDecided).
		Order("idx DESC").Limit(1).Pluck("idx", &idx).Error
	if err != nil {
		return 0, translate(err, "audit entry")
	}
	if len(idx) == 0 {
		return 0, domain.ErrNotFound("approval")
	}
	return idx[0], nil
}
