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
	p       Principal
	id      string
	version int
}

// WithReadAhead returns ctx naming request id (an id or a reference) at
// version as the one the transaction run with it will read first, on p's
// behalf: a store reads ahead only a request p may see (RequestHead.Visible),
// so that the read-ahead costs nothing more for another nation's request
// than for none (readVisible).
func WithReadAhead(ctx context.Context, p Principal, id string, version int) context.Context {
	return context.WithValue(ctx, readAheadKey{}, readAhead{p: p, id: id, version: version})
}

// ReadAheadOf returns the request and version ctx names, and on whose
// behalf, if any.
func ReadAheadOf(ctx context.Context) (p Principal, id string, version int, ok bool) {
	a, ok := ctx.Value(readAheadKey{}).(readAhead)
	return a.p, a.id, a.version, ok
}
