package domain

import "time"

// Audit actions: what an audit entry records.
const (
	AuditRequestCreated   = "request.created"
	AuditRequestUpdated   = "request.updated"
	AuditRequestSubmitted = "request.submitted"
	AuditRequestWithdrawn = "request.withdrawn"
	AuditUserCreated      = "user.created"
)

// AuditEntry is one append-only record of a state change. It is written in
// the same transaction as the change it records.
type AuditEntry struct {
	Index          int64 // dense sequence number, assigned on append
	At             time.Time
	Actor          string
	ActingFor      string
	Action         string
	RequestID      string
	RequestVersion int
	Data           map[string]any // the action's data (AuditFields of its registered type), in API (snake_case) shape
}
