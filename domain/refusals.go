package domain

import (
	"context"
	"errors"
	"time"
)

// AuditRequestRefused records a failed authorization on an existing request:
// who tried what, and why it was refused (docs/product.md, "The audit log").
const AuditRequestRefused = "request.refused"

// RefusalLog appends audit entries for refused attempts on existing requests.
// Each refusal is its own transaction: the attempt itself changed nothing.
type RefusalLog struct {
	store Store
	now   func() time.Time
}

// NewRefusalLog wires the refusal log to storage.
func NewRefusalLog(store Store, now func() time.Time) *RefusalLog {
	return &RefusalLog{store: store, now: now}
}

// authorizationCodes are the refusals worth an audit entry. A wrong version
// or an invalid field is a mistake, not an attempt beyond one's authority.
var authorizationCodes = map[string]bool{CodeForbidden: true, CodeSeparationOfDuties: true, CodeNotFound: true}

// Record appends a refusal entry if cause is an authorization failure and
// the request exists. A request that does not exist is not logged: there is
// nothing to protect, and it would let anyone fill the log.
func (l *RefusalLog) Record(ctx context.Context, p Principal, requestID, attempted string, cause error) error {
	code := ErrorCode(cause)
	if l == nil || !authorizationCodes[code] || requestID == "" {
		return nil
	}
	return l.store.InTx(ctx, func(tx Tx) error {
		r, err := tx.GetRequest(requestID)
		if ErrorCode(err) == CodeNotFound {
			return nil
		}
		if err != nil {
			return err
		}
		if code == CodeNotFound && r.Visible(p) {
			return nil // a genuine not-found of something else (a stage, a delegation)
		}
		return tx.AppendAudit(&AuditEntry{At: l.now().UTC().Truncate(time.Microsecond), Actor: p.Subject,
			Action: AuditRequestRefused, RequestID: r.ID, RequestVersion: r.Version,
			Data: map[string]any{"attempted": attempted, "code": code, "reason": refusalReason(cause)}})
	})
}

func refusalReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
