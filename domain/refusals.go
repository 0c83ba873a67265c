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

// Record appends a refusal entry if cause is an authorization failure. An
// attempt on an id that names no request is recorded too, with the id tried
// (cut to MaxTriedID characters): it is what probing looks like, and doing
// the same work on both paths — one read, one audit append, one commit
// before the answer — is what keeps "another nation's request" and "no such
// request" indistinguishable by timing as well as by content
// (docs/security.md). The rate limits bound how fast anyone can fill the log
// this way, as they bound refused attempts on existing requests.
func (l *RefusalLog) Record(ctx context.Context, p Principal, requestID, attempted string, cause error) error {
	code := ErrorCode(cause)
	if l == nil || !authorizationCodes[code] || requestID == "" {
		return nil
	}
	return l.store.InTx(ctx, func(tx Tx) error {
		data := RefusalData{Attempted: attempted, Code: code, Reason: refusalReason(cause)}
		entry := AuditEntry{At: l.now().UTC().Truncate(time.Microsecond), Actor: p.Subject}
		r, err := tx.GetRequest(requestID)
		switch {
		case ErrorCode(err) == CodeNotFound:
			data.UnknownRequestID = cut(requestID, MaxTriedID)
		case err != nil:
			return err
		case code == CodeNotFound && r.Visible(p):
			return nil // a genuine not-found of something else (a stage, a delegation)
		default:
			entry.RequestID, entry.RequestVersion = r.ID, r.Version
		}
		return tx.AppendAudit(auditEntry(entry, AuditRequestRefused, data))
	})
}

// MaxTriedID bounds the id of a missing request kept in a refusal entry.
const MaxTriedID = 64

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

func refusalReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}
