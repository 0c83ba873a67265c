package storage

import (
	"context"

	"gorm.io/gorm"

	"exaccess/domain"
)

// Read-ahead on SQLite. A change's first step is to read and decode its
// request; in the group committer that work is done by the one writer
// goroutine every write waits for. When the caller names the request and
// the version it expects (domain.WithReadAhead), InTx reads and decodes it
// on a read connection in the caller's goroutine while it waits for its
// turn. Inside the transaction GetRequest then only checks that the stored
// version is still the one read: every column of a request row changes
// with its version (each write is a compare-and-set on it), so a row read
// at the version the transaction finds is the row the transaction would
// have read. Anything else — another version, another request, an error —
// and GetRequest reads as it always does.

// The read-ahead has read connections of its own (aheadPoolSize), apart
// from the pool that serves the API's reads, where an audit export can hold
// a connection for a minute: a write must never wait for a read. It takes a
// connection only when one is free at once; otherwise there is no
// read-ahead and the transaction reads the request itself.
const aheadPoolSize = 2

type aheadPool struct {
	g    *gorm.DB
	free chan struct{} // a token per connection not in use
}

func newAheadPool(g *gorm.DB) *aheadPool {
	p := &aheadPool{g: g, free: make(chan struct{}, aheadPoolSize)}
	for range aheadPoolSize {
		p.free <- struct{}{}
	}
	return p
}

// aheadRequest is a request read before its transaction.
type aheadRequest struct {
	row     requestRow
	r       *domain.Request
	checked bool // the transaction found it at its version (checkAhead)
}

// readAhead reads the request ctx names for the transaction about to run,
// or returns nil: none named, not found, not at the expected version (the
// transaction's own read decides what to answer then), or any error.
func (d *DB) readAhead(ctx context.Context) *aheadRequest {
	p, id, version, ok := domain.ReadAheadOf(ctx)
	if !ok || d.ahead == nil {
		return nil
	}
	select {
	case <-d.ahead.free:
		defer func() { d.ahead.free <- struct{}{} }()
	default:
		return nil // both connections busy: not worth a wait
	}
	// The head first: a request the caller may not see is not read ahead,
	// so that it costs what no request costs (domain.RequestHead).
	g := d.ahead.g.WithContext(ctx)
	h, err := getRequestHead(g, id)
	if err != nil || h.Version != version || !h.Visible(p) {
		return nil
	}
	row, err := getRequestRow(g, h.ID)
	if err != nil || row.Version != version {
		return nil
	}
	r, err := toDomainRequest(row)
	if err != nil {
		return nil
	}
	return &aheadRequest{row: row, r: r}
}

// takeAhead returns the request read ahead for id if the transaction still
// finds it at the version read (checkAhead), and then forgets it: it
// serves one read.
func (t *tx) takeAhead(id string) *aheadRequest {
	a := t.checkAhead(id)
	if a != nil {
		t.ahead = nil
	}
	return a
}

// checkAhead returns the request read ahead for id if the transaction
// still finds it at the version read, and forgets it when not. The version
// is read once: RequestHead checks it, the GetRequest after it then takes
// the request read ahead without reading again (the transaction has
// written nothing between them).
func (t *tx) checkAhead(id string) *aheadRequest {
	a := t.ahead
	if a == nil || (id != a.row.ID && (a.row.Reference == nil || id != *a.row.Reference)) {
		return nil
	}
	if a.checked {
		return a
	}
	var version int
	err := t.g.Statement.ConnPool.QueryRowContext(t.ctx(), "SELECT version FROM requests WHERE id = ?", a.row.ID).Scan(&version)
	if err != nil || version != a.row.Version {
		t.ahead = nil
		return nil // gone, moved on or unreadable: the full read answers
	}
	a.checked = true
	return a
}
