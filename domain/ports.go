package domain

import (
	"context"
	"time"
)

// Store is the persistence port. Reads outside a transaction may see a
// slightly older state; every change goes through InTx.
type Store interface {
	// InTx runs fn in one write transaction: everything fn writes is
	// committed together, or nothing is if fn returns an error. fn may run
	// more than once if the database asks for a retry, so it must not have
	// side effects outside tx.
	InTx(ctx context.Context, fn func(tx Tx) error) error

	GetRequest(ctx context.Context, id string) (*Request, error)
	ListRequests(ctx context.Context, f RequestFilter) (RequestPage, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	CountUsers(ctx context.Context) (int64, error)
	ListAudit(ctx context.Context, requestID string) ([]AuditEntry, error)
}

// Tx is the set of writes (and the reads they depend on) inside one
// transaction. Not-found is an *Error with CodeNotFound, never a nil result.
type Tx interface {
	GetRequest(id string) (*Request, error)
	CreateRequest(r *Request) error
	// UpdateRequest stores r if the stored version is still expectedVersion
	// (compare-and-set); otherwise it returns CodePreconditionFailed.
	UpdateRequest(r *Request, expectedVersion int) error
	// NextReference returns the next running number of the given year.
	NextReference(year int) (int64, error)
	AppendAudit(e *AuditEntry) error
	GetIdempotency(principal, key string) (*IdempotencyRecord, error)
	PutIdempotency(rec IdempotencyRecord) error
	CreateUser(u *User) error
}

// RequestFilter selects a page of requests, newest first.
type RequestFilter struct {
	Nation string // "" for all
	Status Status // "" for all
	Area   string // training area code; "" for all
	After  string // keyset cursor: the id of the last request of the previous page
	Limit  int
}

// RequestPage is one page of a list; NextAfter is "" on the last page.
type RequestPage struct {
	Items     []Request
	NextAfter string
}

// IdempotencyRecord remembers the first response to a creating POST so that
// a retry with the same key gets it again.
type IdempotencyRecord struct {
	Principal   string
	Key         string
	Fingerprint string // hash of the method, path and body of the first call
	RequestID   string
	Response    []byte
	CreatedAt   time.Time
}
