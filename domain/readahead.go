package domain

import "context"

// A read-ahead names the request a write transaction is about to change
// and the version its caller expects. It changes nothing a transaction
// does or answers, and a store must never make a write wait for it; it
// lets a store whose write transactions queue for one
// writer (SQLite's group committer) read and decode the request on a read
// connection while the caller waits, so that inside the transaction only
// the stored version needs checking: every column of a request changes
// with its version.
type readAheadKey struct{}

type readAhead struct {
	id      string
	version int
}

// WithReadAhead returns ctx naming request id (an id or a reference) at
// version as the one the transaction run with it will read first.
func WithReadAhead(ctx context.Context, id string, version int) context.Context {
	return context.WithValue(ctx, readAheadKey{}, readAhead{id: id, version: version})
}

// ReadAheadOf returns the request and version ctx names, if any.
func ReadAheadOf(ctx context.Context) (id string, version int, ok bool) {
	a, ok := ctx.Value(readAheadKey{}).(readAhead)
	return a.id, a.version, ok
}
